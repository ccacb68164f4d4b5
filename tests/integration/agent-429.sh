#!/bin/sh
# 429 from the model (issue #6, "Tests"), `duoterm run --json` against
# scenarios/agent-429.json: the first model request gets 429 with
# Retry-After: 1.  The run says it is waiting, sends the request again no
# sooner than Retry-After says, and the turn completes (exit 0).
. "$(dirname "$0")/agent-lib.sh"

start_sim agent-429.json

dt "$work/out1.json" run --json "[429] go"
[ "$rc" -eq 0 ] || fail "exit $rc: $(tail -n 3 "$work/out1.json")"
check_run "$work/out1.json"
sim_requests "$work/reqs.json"
$PY - "$work/out1.json" "$work/reqs.json" <<'PY' || fail "429: $(cat "$work/out1.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
notes = [e["text"] for e in ev if e["type"] == "notice"]
# the provider's own message, and the wait Retry-After asked for
assert len(notes) == 1 and "Rate limit" in notes[0] and "retrying in 1.0 s" in notes[0], notes
assert not [e for e in ev if e["type"] == "error"], ev
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "RATE-LIMIT-DONE" in text and text.count("Planning.") == 1, text
assert ev[-1] == {"type": "done", "outcome": "done"}, ev[-1]
chats = [r for r in json.load(open(sys.argv[2])) if r["path"].endswith("/chat/completions")]
assert [r["status"] for r in chats] == [429, 200, 200], [(r["status"], r["fault"]) for r in chats]
gap = chats[1]["time"] - chats[0]["time"]
assert gap >= 0.95, "retried after %.3f s, before Retry-After" % gap
# (the simulator answers a faulted request before reading its body)
assert chats[0].get("body") in (None, chats[1]["body"]), "the retry differs"
PY
check_journal
# the retry is the provider's (one request of the engine, two HTTP requests)
check_audit 1
echo ok
