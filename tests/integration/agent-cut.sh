#!/bin/sh
# A model stream cut mid-way (issue #6, "Tests"), `duoterm run --json`
# against scenarios/agent-cut.json, whose first three streams are reset after
# 4 events, some text already shown:
#  - the cut is reported (a notice) and the request re-sent once by itself;
#    the re-send is cut too, so the run fails (exit 1, outcome "failed",
#    "stream cut mid-way"), the transcript intact in the journal;
#  - the retry path: `run --resume` sends the same request again (cut once
#    more, re-sent by itself) and the turn completes; no half reply ever
#    reaches the conversation.
. "$(dirname "$0")/agent-lib.sh"

start_sim agent-cut.json

dt "$work/out1.json" run --json "[cut] what does the ring buffer keep?"
[ "$rc" -eq 1 ] || fail "cut twice: exit $rc, want 1: $(tail -n 3 "$work/out1.json")"
check_run "$work/out1.json"
sid=$(sid_of "$work/out1.json")
sim_requests "$work/reqs1.json"
$PY - "$work/out1.json" "$work/reqs1.json" <<'PY' || fail "the cut run: $(cat "$work/out1.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
notes = [e["text"] for e in ev if e["type"] == "notice"]
errors = [e["text"] for e in ev if e["type"] == "error"]
assert any("stream cut mid-way" in n and "sending the request again" in n for n in notes), notes
assert len(errors) == 1 and "stream cut mid-way" in errors[0], errors
assert ev[-1]["type"] == "done" and ev[-1]["outcome"] == "failed", ev[-1]
assert "stream cut mid-way" in ev[-1]["message"], ev[-1]
# some text was shown before each cut
texts = [i for i, e in enumerate(ev) if e["type"] == "text"]
assert texts and texts[0] < ev.index(next(e for e in ev if e["type"] == "notice")), ev
assert not [e for e in ev if e["type"] == "tool"], "a half reply's tool call ran"
chats = [r for r in json.load(open(sys.argv[2])) if r["path"].endswith("/chat/completions")]
assert [r["fault"] for r in chats] == ["drop", "drop"], [(r["fault"], r["status"]) for r in chats]
b = [r["body"] for r in chats]
assert b[0]["messages"] == b[1]["messages"], "the re-sent request differs"
PY
SD=$STATE/duoterm/sessions/$sid
grep -q '"t":"turn","outcome":"failed"' "$SD/journal.jsonl" || fail "journal lacks the failed turn"

# the retry path: resume the failed turn
dt "$work/out2.json" run --json --resume="$sid"
[ "$rc" -eq 0 ] || fail "resume after the cut: exit $rc: $(tail -n 3 "$work/out2.json")"
check_run "$work/out2.json"
sim_requests "$work/reqs2.json"
$PY - "$work/out2.json" "$work/reqs2.json" <<'PY' || fail "the retried run: $(cat "$work/out2.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0]["resumed"] is True
notes = [e["text"] for e in ev if e["type"] == "notice"]
assert sum("sending the request again" in n for n in notes) == 1, notes
assert not [e for e in ev if e["type"] == "error"], ev
plans = [e for e in ev if e["type"] == "plan"]
assert len(plans) == 1 and len(plans[0]["steps"]) == 3, plans
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "CUT-DONE" in text, text
assert ev[-1] == {"type": "done", "outcome": "done"}, ev[-1]
chats = [r for r in json.load(open(sys.argv[2])) if r["path"].endswith("/chat/completions")]
assert [r["fault"] for r in chats] == ["drop", "drop", "drop", None, None], [r["fault"] for r in chats]
msgs = [r["body"]["messages"] for r in chats]
# the transcript survived: the retried request is the one that was cut
assert msgs[0] == msgs[1] == msgs[2] == msgs[3], "the retried request differs"
assert [m["role"] for m in msgs[3]] == ["system", "user"], msgs[3]
assert "[cut]" in msgs[3][1]["content"]
# no half reply reached the conversation
assert [m["role"] for m in msgs[4]] == ["system", "user", "assistant", "tool"], msgs[4]
assert msgs[4][2]["content"] == "Let me make a plan before I read anything at all.", msgs[4][2]
PY
check_journal
check_audit
echo ok
