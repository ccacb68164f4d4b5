#!/bin/sh
# The GitLab side panels on the simulator (static scenario, via --demo):
# the MR list, an MR's detail (merge status, diff stats, approvals,
# discussions), a pipeline's jobs by stage, a job log with its runner
# sections; then the simulator is killed: the rows stay and the status bar
# says the connection is in trouble.  Goldens: expected/panels-*.txt.
. "$(dirname "$0")/../lib/screen.sh"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"
export DUOTERM_DEMO_SCENARIO="$DT_SRCDIR/tests/sim/scenarios/static.json"
screen_start 120 40 "$(dt_cmd --demo --no-color)"
screen_wait "6 Pipelines · 8 pipelines" 20
screen_wait "online @dana" 10
# merge requests: focus the panel, open !4 (the first row)
screen_keys 4
screen_wait "4 Merge requests · 6 open"
screen_keys Enter
screen_wait "Approvals" 10
screen_expect panels-mr-detail
# back to the list (panel-back), then to the pipelines
screen_keys Escape
screen_wait "4 Merge requests · 6 open"
# pipelines: #312 (ci/asan), its jobs by stage, then a job's log
screen_keys 6 Enter
screen_wait "test:asan" 10
screen_expect panels-pipeline-jobs
screen_keys j Enter
screen_wait "Running with gitlab-runner" 10
screen_wait "▾ Getting source" 10
screen_expect panels-job-log
# the simulator goes away: rows stay, the status bar says so
dtpid=$(pgrep -P "$(screen_pane_pid)" | head -n 1)
simpid=$(pgrep -P "$dtpid" -f duoterm-sim)
[ -n "$simpid" ] || die "no simulator under duoterm $dtpid"
kill "$simpid"
screen_wait_gone "online @dana" 40
# the lists keep their rows
screen_capture | grep -q "#8   Investigate flaky" || die "the issue rows went away"
screen_capture | grep -q "!4 " || die "the merge request rows went away"
echo ok
