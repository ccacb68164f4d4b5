#!/bin/sh
# A Duo Agent Platform flow resumed in the workbench: `duoterm run
# --provider duo-workflow` leaves a proposal and ends its turn (as if the
# SSH link went away after it); `duoterm --provider duo-workflow --resume`
# says which workflow it continues, has the proposal in Review, and the
# next message in Chat continues the same workflow (GitLab sends the
# earlier answer again with the new one).
. "$(dirname "$0")/../integration/agent-lib.sh"
. "$(dirname "$0")/../lib/screen.sh"
trap 'screen_stop; cleanup' EXIT
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

start_sim dap-resume.json
dt "$work/out1" run --json --provider duo-workflow "tidy a.txt"
[ "$rc" = 0 ] || fail "the first run: exit $rc: $(cat "$work/out1" "$work/out1.err")"
grep -q '"type":"proposal"' "$work/out1" || fail "the first run proposed nothing"

screen_start 120 36 "cd '$work/repo' && env HOME='$HOME' XDG_STATE_HOME='$STATE'" \
	"XDG_CONFIG_HOME='$XDG_CONFIG_HOME' GITLAB_INSTANCE_URL='$URL' GITLAB_TOKEN='$TOKEN'" \
	"$(dt_cmd --no-color --provider duo-workflow --resume)"
screen_wait "Resumed session" 10
screen_wait "Proposed 1"
screen_keys 3
screen_keys -l "continue please"
screen_keys Enter
screen_wait "Continued where we left off." 15
screen_wait "I proposed a change to a.txt."
curl -s "$URL/api/v4/ai/duo_workflows/__sim" | /usr/bin/python3 -c '
import json, sys
log = json.load(sys.stdin)["log"]
assert sum(1 for m in log if "create" in m) == 1, "a second workflow was created"
s = [m["startRequest"] for m in log if "startRequest" in m]
assert len(s) == 2 and s[0]["workflowID"] == s[1]["workflowID"], s
' || die "the workbench did not continue the same workflow"
screen_keys M-1 q
[ "$(screen_wait_exit 5)" = 0 ] || die "quit failed"
echo ok
