#!/bin/sh
# Resume after `kill -9` (issue #6, "Tests"), `duoterm run --json` against
# scenarios/agent-resume.json:
#  - killed while the model's answer streams (after a plan, a read and a plan
#    update): the journal holds every record written before the kill, each
#    line whole; `run --resume` (no goal) sends exactly the request that was
#    in flight — the transcript and the plan restored — and finishes;
#  - killed while a command runs: on resume the call gets an "interrupted"
#    error the model reads, and the turn finishes;
#  - `--resume` without an id continues the session used last.
. "$(dirname "$0")/agent-lib.sh"

start_sim agent-resume.json

# journal_check JOURNAL OUT: every line parses but maybe a torn last one; the
# records match what the killed run printed
journal_check() {
	$PY - "$1" "$2" <<'PY' || fail "journal after kill -9: $(cat "$1")"
import json, sys
raw = open(sys.argv[1]).read()
lines = raw.split("\n")
torn = lines.pop()  # "" when the last record is whole
recs = [json.loads(l) for l in lines]
assert torn == "" or len(lines) > 0
ev = [json.loads(l) for l in open(sys.argv[2]).read().splitlines() if l.endswith("}")]
# every call whose result was printed is in the journal, with its result
done = {e["id"] for e in ev if e["type"] == "tool" and e["status"] in ("success", "failure")}
results = {r["id"] for r in recs if r.get("t") == "msg" and r["role"] == "tool"}
assert done <= results, (done, results)
started = {e["id"] for e in ev if e["type"] == "tool" and e["status"] == "running"}
assert started <= {r["id"] for r in recs if r.get("t") == "start"}, started
plans = [e for e in ev if e["type"] == "plan"]
jplans = [r for r in recs if r.get("t") == "plan"]
assert len(jplans) == len(plans), (jplans, plans)
assert not [r for r in recs if r.get("t") == "turn"], "the killed turn was closed"
assert recs[0]["t"] == "session" and recs[1] == {"t": "msg", "role": "user", "text": ev[1]["text"]}, recs[:2]
PY
}

# ---- killed while the answer streams
dt_bg "$work/out1.json" run --json "[resume] explain ringbuf_get"
wait_for "$work/out1.json" '"delta":" index"' 100 || fail "the slow answer did not start: $(cat "$work/out1.json" "$work/out1.json.err")"
kill -9 "$dtpid"
wait "$dtpid" 2>/dev/null
st=$?
dtpid=
[ "$st" -eq 137 ] || fail "duoterm was not killed (status $st)"
grep -q '"type":"done"' "$work/out1.json" && fail "the run finished before the kill; the answer must be slower"
sid=$(sid_of "$work/out1.json")
SD=$STATE/duoterm/sessions/$sid
journal_check "$SD/journal.jsonl" "$work/out1.json"
sim_requests "$work/reqs1.json"

dt "$work/out2.json" run --json --resume
[ "$rc" -eq 0 ] || fail "resume: exit $rc: $(tail -n 3 "$work/out2.json") $(cat "$work/out2.json.err")"
check_run "$work/out2.json"
sim_requests "$work/reqs2.json"
$PY - "$work/out2.json" "$work/reqs1.json" "$work/reqs2.json" "$sid" <<'PY' || fail "resumed: $(cat "$work/out2.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0] == {"type": "session", "id": sys.argv[4], "resumed": True}, ev[0]
assert not [e for e in ev if e["type"] in ("tool", "user", "error")], "the resumed run redid something"
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert text.startswith("RESUME-SLOW:") and text.endswith("RESUME-END"), text
assert ev[-1] == {"type": "done", "outcome": "done"}, ev[-1]
chats = lambda p: [r for r in json.load(open(p)) if r["path"].endswith("/chat/completions")]
before, after = chats(sys.argv[2]), chats(sys.argv[3])
assert len(before) == 3 and len(after) == 4, (len(before), len(after))
killed, resumed = before[-1]["body"], after[-1]["body"]
# the very request that was in flight: same transcript, same plan in the system prompt
assert resumed["messages"] == killed["messages"], "the resumed request differs from the killed one"
msgs = resumed["messages"]
assert [m["role"] for m in msgs] == ["system", "user", "assistant", "tool", "assistant", "tool", "tool"], msgs
assert "[in_progress] Explain ringbuf_get" in msgs[0]["content"], msgs[0]
assert "const char *ringbuf_get(" in msgs[5]["content"]
PY
grep -q '"t":"turn","outcome":"done"' "$SD/journal.jsonl" || fail "the resumed turn was not closed in the journal"

# ---- killed while a command runs
dt_bg "$work/out3.json" run --json --approve 'sleep *' "[resume-tool] wait"
wait_for "$work/out3.json" '"status":"running"' 100 || fail "the command did not start: $(cat "$work/out3.json")"
sleep 0.2
kill -9 "$dtpid"
wait "$dtpid" 2>/dev/null
dtpid=
sid=$(sid_of "$work/out3.json")
SD=$STATE/duoterm/sessions/$sid
journal_check "$SD/journal.jsonl" "$work/out3.json"
# no --approve now: the call is not run again (it gets "interrupted")
dt "$work/out4.json" run --json --resume="$sid"
[ "$rc" -eq 0 ] || fail "resume after a killed command: exit $rc: $(tail -n 3 "$work/out4.json")"
check_run "$work/out4.json"
sim_requests "$work/reqs4.json"
$PY - "$work/out4.json" "$work/reqs4.json" <<'PY' || fail "interrupted command: $(cat "$work/out4.json")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert not [e for e in ev if e["type"] == "approval"], "asked again"
tools = [e for e in ev if e["type"] == "tool"]
assert len(tools) == 1 and tools[0]["name"] == "run_command" and tools[0]["status"] == "failure", tools
assert tools[0]["result"].startswith("Interrupted: duoterm stopped while"), tools
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "RESUME-TOOL-DONE" in text and ev[-1] == {"type": "done", "outcome": "done"}, (text, ev[-1])
last = [r for r in json.load(open(sys.argv[2])) if r["path"].endswith("/chat/completions")][-1]["body"]
told = last["messages"][-1]
assert told["role"] == "tool" and told["content"].startswith("Interrupted: duoterm stopped while"), told
PY
# ---- --resume without an id takes the session used last (ids only sort by the second)
dt "$work/out5.json" run --json "hello A"
[ "$rc" -eq 0 ] || fail "hello A: exit $rc"
dt "$work/out6.json" run --json "hello B"
[ "$rc" -eq 0 ] || fail "hello B: exit $rc"
a=$(sid_of "$work/out5.json") b=$(sid_of "$work/out6.json")
dt "$work/out7.json" run --json --resume "again"
[ "$(sid_of "$work/out7.json")" = "$b" ] || fail "--resume took $(sid_of "$work/out7.json"), not the latest $b"
dt "$work/out8.json" run --json --resume="$a" "again"
dt "$work/out9.json" run --json --resume "and again"
[ "$(sid_of "$work/out9.json")" = "$a" ] || fail "--resume took $(sid_of "$work/out9.json"), not $a used last"
for f in out5 out6 out7 out8 out9; do check_run "$work/$f.json"; done

check_audit
echo ok
