#!/bin/sh
# `duoterm --resume` in the workbench (issue #6, "Sessions"): the agent is
# killed with -9 while its answer streams; started again with --resume, the
# workbench shows the transcript and the plan as they were, says the turn
# was interrupted, and /resume finishes it; a third start with --resume
# shows the finished answer and nothing left to continue.
. "$(dirname "$0")/../integration/agent-lib.sh"
. "$(dirname "$0")/../lib/screen.sh"
trap 'screen_stop; cleanup' EXIT
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

start_sim agent-resume.json
run_ui() {
	screen_start 120 36 "cd '$work/repo' && env HOME='$HOME' XDG_STATE_HOME='$STATE'" \
		"XDG_CONFIG_HOME='$XDG_CONFIG_HOME' GITLAB_INSTANCE_URL='$URL' GITLAB_TOKEN='$TOKEN'" \
		"OPENAI_BASE_URL='$URL/v1' OPENAI_API_KEY='$KEY'" \
		"$(dt_cmd --no-color --provider openai --model demo-model "$@")"
	screen_wait "1 Plan" 10
}
plan_rows() { screen_capture | grep -E '^ *[○▶✔✖] [0-9]+\. ' | sed -E 's/^ *//; s/ *│.*//'; }

run_ui
screen_keys 3
screen_keys -l "[resume] explain ringbuf_get"
screen_keys Enter
screen_wait "RESUME-SLOW" 15
pkill -9 -P "$(screen_pane_pid)" || die "no duoterm to kill"
st=$(screen_wait_exit 5)
[ "$st" = 137 ] || die "exit status $st"
screen_capture | grep -q "RESUME-END" && die "the answer finished before the kill"
tm kill-server

# started again: what was there is back, and the interrupted turn waits
run_ui --resume
screen_wait "Resumed session" 10
screen_wait "middle of a turn"
screen_wait "explain ringbuf_get"
screen_wait "Reading."
[ "$(plan_rows)" = "$(printf '%s\n' "✔ 1. Read the ring buffer" "▶ 2. Explain ringbuf_get" \
	"○ 3. Suggest a test")" ] || die "the plan was not restored:
$(plan_rows)"
screen_capture | grep -q "RESUME-SLOW" && die "the cut answer was shown as if it were whole"
screen_keys 3
screen_keys -l "/resume"
screen_keys Enter
screen_wait "RESUME-END" 20
screen_wait "agent: idle" 10
screen_keys M-1 q
[ "$(screen_wait_exit 5)" = 0 ] || die "quit failed"
tm kill-server

# and once more: the finished session, nothing to continue
run_ui --resume
screen_wait "Resumed session" 10
screen_wait "RESUME-END"
screen_capture | grep -q "middle of a turn" && die "a finished session was called interrupted"
screen_keys M-1 q
echo ok
