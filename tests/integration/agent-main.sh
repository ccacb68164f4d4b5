#!/bin/sh
# The agent end to end (issue #6, "Tests"): `duoterm run --json` against the
# simulator's scripted model (scenarios/agent-main.json).  A goal -> a
# three-step plan -> two reads in one message -> edits proposed to two files
# (two hunks in src/ringbuf.c, one in include/ringbuf.h) that do not touch the
# working tree -> the user accepts one hunk and rejects the two others
# (tests/tools/dt-proposals.c, as the Review pane would) -> `run --resume
# "continue"` tells the model exactly which hunk landed and which were refused
# -> the final answer.  The working tree then holds exactly the accepted hunk.
. "$(dirname "$0")/agent-lib.sh"

[ -f "$DT_BUILD/libduoterm.a" ] || fail "no $DT_BUILD/libduoterm.a (make first)"
DEPS=$(sed -n 's/^DEP_LIBS *= *//p' "$SRCDIR/config.mk")
SANF=
[ -n "$DT_SANITIZED" ] && SANF="-fsanitize=address,undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 -g $SANF -I"$SRCDIR/include" -o "$work/dt-proposals" \
	"$SRCDIR/tests/tools/dt-proposals.c" "$DT_BUILD/libduoterm.a" $DEPS -lm -pthread \
	>"$work/cc.log" 2>&1 || fail "cannot build dt-proposals: $(cat "$work/cc.log")"
[ -s "$work/cc.log" ] && fail "dt-proposals does not build cleanly: $(cat "$work/cc.log")"

start_sim agent-main.json
R=$work/repo
mkdir "$work/orig"
cp "$R/src/ringbuf.c" "$R/include/ringbuf.h" "$work/orig/"
(cd "$R" && git status --porcelain) >"$work/status.before"

# ---- 1. the goal: plan, reads, proposals, "please review"
dt "$work/out1.json" run --json "Fix the off-by-one in ringbuf_get [agent-main]"
[ "$rc" -eq 0 ] || fail "first run: exit $rc: $(tail -n 3 "$work/out1.json") $(cat "$work/out1.json.err")"
check_run "$work/out1.json"
$PY - "$work/out1.json" <<'PY' || fail "first run's events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
plans = [e["steps"] for e in ev if e["type"] == "plan"]
assert len(plans) == 2, plans
assert [s["status"] for s in plans[0]] == ["in_progress", "not_started", "not_started"], plans[0]
assert [s["status"] for s in plans[1]] == ["done", "in_progress", "not_started"], plans[1]
assert len(plans[0]) == 3
tools = {}
order = []
for e in ev:
    if e["type"] == "tool":
        if e["id"] not in tools:
            order.append(e["id"])
        tools[e["id"]] = e
names = [tools[i]["name"] for i in order]
assert names == ["update_plan", "read_file", "read_file", "update_plan", "edit_file", "edit_file",
                 "write_file"], names
assert all(t["status"] == "success" for t in tools.values()), [t for t in tools.values() if t["status"] != "success"]
reads = [tools[i] for i in order if tools[i]["name"] == "read_file"]
assert "int ringbuf_push(" in reads[0]["result"] and "if (i > rb->len)" in reads[0]["result"]
assert "#ifndef RINGBUF_H" in reads[1]["result"]
props = [e for e in ev if e["type"] == "proposal"]
assert [p["path"] for p in props] == ["src/ringbuf.c", "src/ringbuf.c", "include/ringbuf.h"], props
assert not any(p["accepted"] for p in props), props
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "AGENT-MAIN-PROPOSED" in text, text
assert ev[-1] == {"type": "done", "outcome": "done"}, ev[-1]
PY
# proposals never write: the tree is as it was
cmp -s "$R/src/ringbuf.c" "$work/orig/ringbuf.c" || fail "a proposal reached src/ringbuf.c"
cmp -s "$R/include/ringbuf.h" "$work/orig/ringbuf.h" || fail "a proposal reached include/ringbuf.h"
(cd "$R" && git status --porcelain) | cmp -s - "$work/status.before" || fail "the work tree changed"
check_journal
SD=$(session_dir)
sid=$(basename "$SD")
[ -s "$SD/proposals/proposals.json" ] || fail "no proposals.json in the session"

# ---- 2. the user decides: ringbuf.c's comment hunk rejected, its fix accepted; ringbuf.h rejected
"$work/dt-proposals" "$R" "$SD/proposals" list >"$work/list" 2>&1 || fail "list: $(cat "$work/list")"
$PY - "$work/list" <<'PY' || fail "proposals listed: $(cat "$work/list")"
import sys
files, cur = {}, None
for l in open(sys.argv[1]).read().splitlines():
    if l.startswith("  "):
        files[cur][-1].append(l[2:]) if not l[2:].startswith("@@") else files[cur].append([l[2:]])
    else:
        cur, n = l.split("\t")
        files[cur] = []
        want = int(n)
assert sorted(files) == ["include/ringbuf.h", "src/ringbuf.c"], files
c = files["src/ringbuf.c"]
assert len(c) == 2, c
assert "+/* ringbuf.c - a fixed-size ring buffer of strings, oldest first */" in c[0], c[0]
assert "+\tif (i >= rb->len)" in c[1] and "-\tif (i > rb->len)" in c[1], c[1]
assert len(files["include/ringbuf.h"]) == 1, files
PY
"$work/dt-proposals" "$R" "$SD/proposals" decide src/ringbuf.c=r,a include/ringbuf.h=r \
	>"$work/decide" 2>&1 || fail "decide: $(cat "$work/decide")"
# exactly the accepted hunk, byte for byte
$PY - "$work/orig/ringbuf.c" "$work/expected.c" <<'PY'
import sys
s = open(sys.argv[1], "rb").read()
assert s.count(b"\tif (i > rb->len)\n") == 1
open(sys.argv[2], "wb").write(s.replace(b"\tif (i > rb->len)\n", b"\tif (i >= rb->len)\n"))
PY
cmp "$R/src/ringbuf.c" "$work/expected.c" || fail "src/ringbuf.c is not the original plus the accepted hunk: $(cd "$R" && git diff src/ringbuf.c)"
cmp "$R/include/ringbuf.h" "$work/orig/ringbuf.h" || fail "the rejected include/ringbuf.h changed"
[ "$(cd "$R" && git diff --stat -- src/ringbuf.c include/ringbuf.h | tail -n 1)" = \
	" 1 file changed, 1 insertion(+), 1 deletion(-)" ] || fail "git diff: $(cd "$R" && git diff --stat)"
"$work/dt-proposals" "$R" "$SD/proposals" list >"$work/list2" 2>&1 || fail "list after decide"
[ -s "$work/list2" ] && fail "proposals left after every hunk was decided: $(cat "$work/list2")"

# ---- 3. resume: the model is told, then answers
sim_requests "$work/reqs1.json"
dt "$work/out2.json" run --json --resume "continue"
[ "$rc" -eq 0 ] || fail "resumed run: exit $rc: $(tail -n 3 "$work/out2.json") $(cat "$work/out2.json.err")"
check_run "$work/out2.json"
sim_requests "$work/reqs2.json"
$PY - "$work/out2.json" "$work/reqs1.json" "$work/reqs2.json" "$sid" <<'PY' || fail "resumed run"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert ev[0] == {"type": "session", "id": sys.argv[4], "resumed": True}, ev[0]
notes = [e["text"] for e in ev if e["type"] == "notice"]
assert any("3 review decision(s)" in n for n in notes), notes
plans = [e["steps"] for e in ev if e["type"] == "plan"]
assert plans and [s["status"] for s in plans[-1]] == ["done"] * 3, plans
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "AGENT-MAIN-FINAL" in text, text
assert ev[-1] == {"type": "done", "outcome": "done"}, ev[-1]

def chats(path):
    return [r for r in json.load(open(path))
            if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
def body(r):
    b = r["body"]
    return json.loads(b) if isinstance(b, str) else b
before, after = chats(sys.argv[2]), chats(sys.argv[3])
new = after[len(before):]
assert len(before) == 4 and len(new) == 2, (len(before), len(new))
for r in before:  # nobody told the model anything before the review
    assert "reviewed your proposed changes" not in json.dumps(body(r)), r
first = body(new[0])
msgs = first["messages"]
sysmsg = msgs[0]
assert sysmsg["role"] == "system", sysmsg
# the plan restored from the journal rides along in the system prompt
assert "[in_progress] Fix the off-by-one bound check" in sysmsg["content"], sysmsg["content"]
# the transcript restored: the goal, every call and its result, in order
roles = [m["role"] for m in msgs[1:]]
assert roles == ["user", "assistant", "tool", "assistant", "tool", "tool", "assistant",
                 "tool", "tool", "tool", "tool", "assistant", "user"], roles
assert "[agent-main]" in msgs[1]["content"]
calls = [c["id"] for m in msgs if m["role"] == "assistant" for c in m.get("tool_calls") or []]
answered = [m["tool_call_id"] for m in msgs if m["role"] == "tool"]
assert calls == answered and len(calls) == 7, (calls, answered)
told = msgs[-1]["content"]
assert "continue" in told, told
acc = told.index("- accepted: src/ringbuf.c")
rej_c = told.index("- rejected: src/ringbuf.c")
rej_h = told.index("- rejected: include/ringbuf.h")
def hunk_after(i):
    rest = told[i:]
    return rest[rest.index("```diff"):rest.index("```", rest.index("```diff") + 7)]
assert "+\tif (i >= rb->len)" in hunk_after(acc) and "oldest first" not in hunk_after(acc), told
assert "+/* ringbuf.c - a fixed-size ring buffer of strings, oldest first */" in hunk_after(rej_c), told
assert "+/* Entry i, counting from the oldest; NULL when i >= ringbuf_len(rb). */" in hunk_after(rej_h), told
assert told.count("- accepted:") == 1 and told.count("- rejected:") == 2, told
# told once: the last request carries that message once and nothing new
last = body(new[1])["messages"]
assert sum("reviewed your proposed changes" in (m.get("content") or "") for m in last) == 1
assert last[-1]["role"] == "tool", last[-1]
PY
# the answer changed nothing more
cmp -s "$R/src/ringbuf.c" "$work/expected.c" || fail "src/ringbuf.c changed after the review"
cmp -s "$R/include/ringbuf.h" "$work/orig/ringbuf.h" || fail "include/ringbuf.h changed after the review"
check_journal
check_audit
echo ok
