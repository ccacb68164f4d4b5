#!/bin/sh
# The agent's tool edge cases end to end (issue #6, "Tests"), `duoterm run
# --json` against scenarios/agent-tools.json:
#  - parallel tool calls: three read-only calls in one assistant message run
#    at the same time, and the next request answers each id in call order;
#  - malformed tool arguments (the sim's /bad-tool-args turn): the model gets a
#    tool error it can read, calls again, and the run finishes;
#  - path escapes: "..", absolute paths and symlinks out of the repository are
#    refused with a tool error for reads and writes; nothing outside is read or
#    written, and no proposal is made;
#  - approvals: run_command without --approve ends the run with exit 3
#    ("approval needed") without running it; `--resume --approve 'make test*'`
#    runs it; a command with shell metacharacters is never approved by a wildcard.
#  - GitLab: get_issue and get_merge_request run at once; create_issue_note and
#    create_merge_request_note wait for approval (the approval event shows what
#    will be posted, control characters made visible) and post nothing until
#    `--approve create_issue_note --approve create_merge_request_note`; then one
#    POST each to the noteable's /notes with {"body"}, as DWS names them.
. "$(dirname "$0")/agent-lib.sh"

start_sim agent-tools.json
R=$work/repo

# json_check OUT PYTHON: runs the assertions with `ev` (the events of OUT),
# `tools` (id -> last tool event), `order` (tool ids), `text` (the reply)
json_check() {
	$PY - "$1" "$work/reqs.json" <<PY || fail "$2: $(tail -n 4 "$1")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
tools, order = {}, []
for e in ev:
    if e["type"] == "tool":
        if e["id"] not in tools:
            order.append(e["id"])
        tools[e["id"]] = e
text = "".join(e["delta"] for e in ev if e["type"] == "text")
chats = [r for r in json.load(open(sys.argv[2]))
         if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
def body(r):
    b = r["body"]
    return json.loads(b) if isinstance(b, str) else b
$3
PY
}


# ---- parallel tool calls
dt "$work/out-par.json" run --json "[parallel] look at the ring buffer"
[ "$rc" -eq 0 ] || fail "parallel: exit $rc: $(tail -n 3 "$work/out-par.json")"
check_run "$work/out-par.json"
sim_requests "$work/reqs.json"
json_check "$work/out-par.json" "parallel calls" '
assert [tools[i]["name"] for i in order] == ["read_file", "grep", "list_dir"], order
assert all(tools[i]["status"] == "success" for i in order), tools
# read-only: all three start together, and finish in call order
seq = [(e["id"], e["status"]) for e in ev if e["type"] == "tool" and e["status"] in ("running", "success")]
assert seq == [(i, "running") for i in order] + [(i, "success") for i in order], seq
assert "include/ringbuf.h:" in tools[order[1]]["result"], tools[order[1]]
assert "ringbuf.c" in tools[order[2]]["result"], tools[order[2]]
assert "PARALLEL-DONE" in text and ev[-1] == {"type": "done", "outcome": "done"}, (text, ev[-1])
assert len(chats) == 2, len(chats)
msgs = body(chats[1])["messages"]
asst = [m for m in msgs if m["role"] == "assistant"][-1]
ids = [c["id"] for c in asst["tool_calls"]]
assert ids == order, (ids, order)
res = [m for m in msgs if m["role"] == "tool"]
assert [m["tool_call_id"] for m in res] == ids, res
assert "int ringbuf_push(" in res[0]["content"]
assert msgs.index(asst) == len(msgs) - 4, [m["role"] for m in msgs]
'

# ---- malformed tool arguments
dt "$work/out-bad.json" run --json "/bad-tool-args"
[ "$rc" -eq 0 ] || fail "bad args: exit $rc: $(tail -n 3 "$work/out-bad.json")"
check_run "$work/out-bad.json"
sim_requests "$work/reqs.json"
json_check "$work/out-bad.json" "malformed arguments" '
assert [tools[i]["name"] for i in order] == ["read_file", "read_file"], order
bad, good = tools[order[0]], tools[order[1]]
assert bad["status"] == "failure" and "not valid JSON" in bad["result"], bad
assert bad["args"] == "{\"path\": \"src/lastn.c\", \"offset\": ", bad["args"]
assert good["status"] == "success" and "ringbuf_init(&rb" in good["result"], good
assert "BAD-ARGS-DONE" in text and ev[-1]["outcome"] == "done", (text, ev[-1])
chats = chats[2:]
assert len(chats) == 3, len(chats)
told = [m for m in body(chats[1])["messages"] if m["role"] == "tool"][-1]
assert told["tool_call_id"] == order[0] and "not valid JSON" in told["content"], told
'

# ---- path escapes
printf 'OUTSIDE-SECRET-CONTENT\n' >"$work/outside.txt"
ln -s "$work/outside.txt" "$R/outside-link"
ln -s "$work" "$R/linkdir"
rm -f /tmp/escaped-by-duoterm-agent-test.txt 2>/dev/null
dt "$work/out-esc.json" run --json "[escape] read around"
[ "$rc" -eq 0 ] || fail "escape: exit $rc: $(tail -n 3 "$work/out-esc.json")"
check_run "$work/out-esc.json"
sim_requests "$work/reqs.json"
json_check "$work/out-esc.json" "path escapes" '
names = [tools[i]["name"] for i in order]
assert names == ["read_file"] * 5 + ["read_files"] + ["write_file"] * 2 + ["edit_file", "write_file"], names
for i in order:
    t = tools[i]
    r = t["result"]
    assert "OUTSIDE-SECRET" not in r and "root:" not in r, t
    if t["name"] != "read_files":
        assert t["status"] == "failure", t
        assert ("outside the repository" in r or "leaves the repository" in r), t
    else:
        assert "outside the repository" in r and "leaves the repository" in r, t
msgs = body(chats[-1])["messages"]
dump = json.dumps(msgs)
assert "OUTSIDE-SECRET" not in dump and "root:x:" not in dump, "something outside reached the model"
assert sum(m["role"] == "tool" for m in msgs) == 10
assert not [e for e in ev if e["type"] == "proposal"], "a proposal was made"
assert "ESCAPE-DONE" in text and ev[-1]["outcome"] == "done"
'
[ "$(cat "$work/outside.txt")" = OUTSIDE-SECRET-CONTENT ] || fail "the file outside changed"
for f in "$work/escaped.txt" /tmp/escaped-by-duoterm-agent-test.txt; do
	[ -e "$f" ] && fail "$f was written"
done
sid=$(sid_of "$work/out-esc.json")
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert not d.get("proposals"), d' \
	"$STATE/duoterm/sessions/$sid/proposals/proposals.json" 2>/dev/null ||
	[ ! -e "$STATE/duoterm/sessions/$sid/proposals/proposals.json" ] || fail "the escape session holds proposals"
rm "$R/outside-link" "$R/linkdir"

# ---- approvals: refused (no --approve), then approved by pattern on resume
dt "$work/out-apr.json" run --json "[approval] build the unit tests"
[ "$rc" -eq 3 ] || fail "approval: exit $rc, want 3: $(tail -n 3 "$work/out-apr.json")"
check_run "$work/out-apr.json"
[ -e "$R/tests/test_ringbuf" ] && fail "the command ran without approval"
json_check "$work/out-apr.json" "approval needed" '
ap = [e for e in ev if e["type"] == "approval"]
assert len(ap) == 1, ap
assert ap[0]["tool"] == "run_command" and ap[0]["subject"] == "make tests/test_ringbuf", ap
assert ap[0]["decision"] == "needed" and ap[0]["pattern"] == "make *", ap
assert tools[ap[0]["id"]]["status"] == "awaiting_approval", tools
assert ev[-1]["type"] == "done" and ev[-1]["outcome"] == "approval_needed", ev[-1]
'
sid=$(sid_of "$work/out-apr.json")
# another pattern does not approve it
dt "$work/out-apr2.json" run --json --resume="$sid" --approve 'make check*' --approve 'ls*'
[ "$rc" -eq 3 ] || fail "approval with a pattern that does not match: exit $rc"
check_run "$work/out-apr2.json"
[ -e "$R/tests/test_ringbuf" ] && fail "the command ran under a pattern that does not match"
dt "$work/out-apr3.json" run --json --resume="$sid" --approve 'make test*'
[ "$rc" -eq 0 ] || fail "approved run: exit $rc: $(tail -n 3 "$work/out-apr3.json")"
check_run "$work/out-apr3.json"
[ -x "$R/tests/test_ringbuf" ] || fail "the approved command did not run"
json_check "$work/out-apr3.json" "approved" '
assert ev[0]["resumed"] is True
assert not [e for e in ev if e["type"] == "approval" and e["decision"] == "needed"], ev
run = [tools[i] for i in order if tools[i]["name"] == "run_command"]
assert len(run) == 1 and run[0]["status"] == "success", run
assert "[exit status 0]" in run[0]["result"], run
assert "APPROVAL-DONE" in text and ev[-1] == {"type": "done", "outcome": "done"}, (text, ev[-1])
'
# --approve is for this run only: nothing remembered
if [ -e "$STATE/duoterm/approvals.json" ] && grep -q 'make' "$STATE/duoterm/approvals.json"; then
	fail "--approve was remembered: $(cat "$STATE/duoterm/approvals.json")"
fi

# ---- shell metacharacters: a wildcard never approves them
dt "$work/out-meta.json" run --json --approve 'make test*' "[meta] build and more"
[ "$rc" -eq 3 ] || fail "metacharacters: exit $rc, want 3: $(tail -n 3 "$work/out-meta.json")"
check_run "$work/out-meta.json"
[ -e "$R/pwned" ] && fail "a command with metacharacters ran under a wildcard"
json_check "$work/out-meta.json" "metacharacters" '
ap = [e for e in ev if e["type"] == "approval"]
assert len(ap) == 1 and ap[0]["subject"] == "make tests/test_ringbuf; touch pwned", ap
'

# ---- GitLab: reads at once, note-writing only when approved
notes_posted() { # how many POSTs to .../notes the simulator has seen
	sim_requests "$work/reqs.json"
	$PY -c 'import json,sys; print(sum(r["method"] == "POST" and r["path"].endswith("/notes")
		for r in json.load(open(sys.argv[1]))))' "$work/reqs.json"
}
dt "$work/out-gl.json" run --json "[gitlab] tell the issue and the MR"
[ "$rc" -eq 3 ] || fail "gitlab notes: exit $rc, want 3: $(tail -n 3 "$work/out-gl.json")"
check_run "$work/out-gl.json"
[ "$(notes_posted)" = 0 ] || fail "a note was posted without approval"
json_check "$work/out-gl.json" "gitlab writes need approval" '
reads = [tools[i] for i in order if tools[i]["name"].startswith("get_")]
assert [t["status"] for t in reads] == ["success", "success"], reads
# both GETs were in flight together
seq = [(e["name"], e["status"]) for e in ev if e["type"] == "tool" and e["name"].startswith("get_")
       and e["status"] in ("running", "success")]
assert seq == [("get_issue", "running"), ("get_merge_request", "running"),
               ("get_issue", "success"), ("get_merge_request", "success")], seq
assert "ringbuf_get(rb, len)" in reads[0]["result"] and "\"iid\":2" in reads[1]["result"].replace(" ", ""), reads
ap = [e for e in ev if e["type"] == "approval"]
assert len(ap) == 1 and ap[0]["tool"] == "create_issue_note", ap
assert ap[0]["pattern"] == "create_issue_note", ap
# what will be posted, with the escape byte made visible
assert ap[0]["subject"].startswith("note on issue #3: NOTE-FROM-AGENT: fixed by !2"), ap
assert ap[0]["subject"].endswith("`i >= len`\\e[31m") and "\x1b" not in ap[0]["subject"], ap
assert ev[-1]["outcome"] == "approval_needed", ev[-1]
'
sid=$(sid_of "$work/out-gl.json")
# one approved, the other not: the issue note goes, then the run stops again
dt "$work/out-gl2.json" run --json --resume="$sid" --approve create_issue_note
[ "$rc" -eq 3 ] || fail "gitlab: half approved: exit $rc, want 3: $(tail -n 3 "$work/out-gl2.json")"
check_run "$work/out-gl2.json"
[ "$(notes_posted)" = 1 ] || fail "want exactly the issue note posted"
dt "$work/out-gl3.json" run --json --resume="$sid" --approve create_merge_request_note
[ "$rc" -eq 0 ] || fail "gitlab: approved: exit $rc: $(tail -n 3 "$work/out-gl3.json")"
check_run "$work/out-gl3.json"
[ "$(notes_posted)" = 2 ] || fail "want both notes posted, once each"
json_check "$work/out-gl3.json" "gitlab notes posted" '
notes = [r for r in json.load(open(sys.argv[2])) if r["method"] == "POST" and r["path"].endswith("/notes")]
assert notes[0]["path"].endswith("/issues/3/notes"), notes[0]["path"]
assert notes[1]["path"].endswith("/merge_requests/2/notes"), notes[1]["path"]
b0, b1 = (json.loads(n["body"]) if isinstance(n["body"], str) else n["body"] for n in notes)
assert b0 == {"body": "NOTE-FROM-AGENT: fixed by !2 \u2014 `i >= len`\u001b[31m"}, b0
assert b1 == {"body": "MR-NOTE-FROM-AGENT: looks right"}, b1
mr = [tools[i] for i in order if tools[i]["name"] == "create_merge_request_note"]
assert mr and mr[-1]["status"] == "success" and "MR-NOTE-FROM-AGENT" in mr[-1]["result"], mr
assert "GITLAB-DONE" in text and ev[-1] == {"type": "done", "outcome": "done"}, (text, ev[-1])
'

check_audit
echo ok
