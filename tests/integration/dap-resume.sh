#!/bin/sh
# A Duo Agent Platform flow kept across duoterm runs: `duoterm run --provider
# duo-workflow` proposes a change and ends its turn (as if the terminal went
# away after it); `duoterm run --resume` with the next message continues the
# same workflow (no second workflow created, the same workflowID in the
# startRequest), and the proposal is still there, in the session.  A local
# agent's --resume refuses the flow's session, saying why; --resume without
# an id takes the latest session of the flow's kind.
. "$(dirname "$0")/dap-lib.sh"
dap_sim dap-resume.json
dap_repo

dap_run --provider duo-workflow "tidy a.txt" >"$work/out1" 2>&1 || fail "first run: exit $?"
grep -q '"type":"proposal"' "$work/out1" || fail "first run: no proposal"
sid=$(sed -n 's/.*"type":"session","id":"\([^"]*\)".*/\1/p' "$work/out1")
[ -n "$sid" ] || fail "first run: no session id"
[ "$(cat "$work/repo/a.txt")" = hi ] || fail "the proposal was written to the work tree"
ls "$work/state/duoterm/sessions/$sid/proposals" | grep -q . || fail "the proposal is not kept in the session"

# a local agent does not take the flow's session
OPENAI_API_KEY=sk-test-1 OPENAI_BASE_URL=$URL/v1 dap_run --provider openai --resume="$sid" "continue" >"$work/out3" 2>&1 && fail "a local agent resumed a flow's session"
grep -q "Duo Agent Platform flow: resume it with --provider duo-workflow" "$work/out3" ||
	fail "no reason given for refusing the session"

# a local agent's session written since: --resume without an id still takes
# the latest flow's session, not the latest session
mkdir -p "$work/state/duoterm/sessions/29990101-000000-abcdef"
printf '{"t":"session","workdir":"%s"}\n' "$work/repo" \
	>"$work/state/duoterm/sessions/29990101-000000-abcdef/journal.jsonl"
dap_run --provider duo-workflow --resume "continue please" >"$work/out2" 2>&1 || fail "resumed run: exit $?"
grep -q "\"type\":\"session\",\"id\":\"$sid\"" "$work/out2" || fail "resumed run: another session"
grep -q '"resumed":true' "$work/out2" || fail "resumed run: not marked resumed"
grep -q 'Continued where we left off.' "$work/out2" || fail "resumed run: the flow did not continue"
grep '"type":"done"' "$work/out2" | grep -q '"outcome":"done"' || fail "resumed run: not done"
ls "$work/state/duoterm/sessions/$sid/proposals" | grep -q . || fail "the proposal was lost"
grep -q "glpat-" "$work/out1" "$work/out2" "$work/state/duoterm/sessions/$sid/journal.jsonl" &&
	fail "the token was printed or kept"

curl -s "$URL/api/v4/ai/duo_workflows/__sim" >"$work/sim.json"
/usr/bin/python3 - "$work/sim.json" <<'PY' || fail "wire"
import json, sys
log = json.load(open(sys.argv[1]))["log"]
create = [m["create"] for m in log if "create" in m]
assert len(create) == 1, "workflows created: %d" % len(create)
starts = [m["startRequest"] for m in log if "startRequest" in m]
assert len(starts) == 2 and starts[0]["workflowID"] == starts[1]["workflowID"] != "", starts
assert starts[1]["goal"] == "continue please", starts[1]
PY
echo ok
