#!/bin/sh
# A Duo Agent Platform flow end to end against the simulator (tests/sim,
# scenario dap-flow.json), driven by tests/tools/dap-flow.c: the flow reads
# files, proposes a write with two hunks of which the driver accepts only the
# first (proposal store API), stops for GitLab's tool approval, reconnects
# with the approval, runs the approved command and finishes.  The working
# tree then holds exactly the accepted hunk.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DT_BUILD:-$SRCDIR/build}
SIM=$SRCDIR/tests/sim/duoterm-sim
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
[ -f "$BUILD/libduoterm.a" ] || { echo "no $BUILD/libduoterm.a"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/out" ] && sed 's/^/  out: /' "$work/out"; exit 1; }
work=$(mktemp -d /tmp/dt-dap-flow.XXXXXX)
cleanup() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# the driver, built against the library under test (with its sanitizers)
mk() { sed -n "s/^$1 = //p" "$SRCDIR/config.mk"; }
san=
[ -n "$DT_SANITIZED" ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
${CC:-cc} -std=c11 -D_GNU_SOURCE -g $san -I"$SRCDIR/include" $(mk DEP_CFLAGS) -DDUOTERM_VERSION='"test"' \
	-o "$work/dap-flow" "$SRCDIR/tests/tools/dap-flow.c" "$BUILD/libduoterm.a" $(mk DEP_LIBS) -lm -pthread \
	2>"$work/cc.log" || { cat "$work/cc.log"; fail "cannot build tests/tools/dap-flow.c"; }

"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/dap-flow.json" --port 0 --port-file "$work/port" \
	>/dev/null 2>"$work/sim.err" &
simpid=$!
i=0; while [ ! -s "$work/port" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$work/port")
TOKEN=glpat-demo-0000000000000000

repo=$work/repo
mkdir -p "$repo" && cd "$repo" || exit 1
git init -q -b main . && git config user.name t && git config user.email t@example.invalid
i=1; while [ $i -le 20 ]; do
	case $i in 2) printf 'line 02 teh\n' ;; 18) printf 'line 18 recieve\n' ;; *) printf 'line %02d\n' $i ;; esac
	i=$((i+1))
done >notes.txt
echo "read me" >README
git add . && git commit -qm init

"$work/dap-flow" "$URL" "$TOKEN" duoterm-demo/tools/sandbox "$repo" "tidy notes.txt" >"$work/out" 2>"$work/err" \
	|| { cat "$work/err"; curl -s "$URL/api/v4/ai/duo_workflows/__sim" | head -c 3000; fail "the flow did not finish"; }

/usr/bin/python3 - "$work/out" <<'PY' || fail "events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
types = [e["type"] for e in ev]
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "I will read the notes first, then fix two typos." in text, text
assert text.count("I will read") == 1, "streamed text printed twice: %r" % text
plans = [e for e in ev if e["type"] == "plan"]
assert plans and plans[-1]["steps"][-1]["status"] == "done", plans
assert any(e["type"] == "proposal" and e.get("hunks") == "2" for e in ev), ev
appr = [e for e in ev if e["type"] == "approval"]
assert len(appr) == 1 and appr[0]["subject"] == "cat notes.txt", appr
tools = [(e["name"], e["status"]) for e in ev if e["type"] == "tool"]
for name in ("read_files", "read_file", "list_dir", "grep", "find_files", "write_file", "run_command"):
    assert (name, "success") in tools, (name, tools)
# GitLab's own cards for read_file and run_command (run here as actions) are
# not shown a second time: one card per call
for name in ("read_file", "run_command"):
    cards = {e["entry"] for e in ev if e["type"] == "tool" and e["name"] == name}
    assert len(cards) == 1, (name, "shown as %d cards" % len(cards), ev)
assert ev[-2]["type"] == "done" and ev[-2]["outcome"] == "done", ev[-2:]
assert sum(1 for e in ev if e["type"] == "user") == 1, types
PY

# exactly the accepted hunk
expected=$work/expected
i=1; while [ $i -le 20 ]; do
	case $i in 2) printf 'line 02 the\n' ;; 18) printf 'line 18 recieve\n' ;; *) printf 'line %02d\n' $i ;; esac
	i=$((i+1))
done >"$expected"
cmp -s notes.txt "$expected" || { diff -u "$expected" notes.txt; fail "working tree is not the accepted hunk"; }
[ "$(git status --porcelain)" = " M notes.txt" ] || fail "unexpected tree state: $(git status --porcelain)"

# what the client sent: startRequests (capabilities, same workflowID, approval), one
# actionResponse per action, the token never in a URL
curl -s "$URL/api/v4/ai/duo_workflows/__sim" >"$work/sim.json"
curl -s "$URL/__sim/requests" >"$work/reqs"
/usr/bin/python3 - "$work/sim.json" "$work/reqs" <<'PY' || fail "wire"
import json, sys
s = json.load(open(sys.argv[1]))
log = s["log"]
create = [m["create"] for m in log if "create" in m]
assert len(create) == 1 and create[0]["goal"] == "tidy notes.txt", create
assert create[0]["project_id"] == "duoterm-demo/tools/sandbox" and 6 not in create[0]["agent_privileges"], create
starts = [m["startRequest"] for m in log if "startRequest" in m]
assert len(starts) == 2, starts
assert starts[0]["workflowID"] == starts[1]["workflowID"] != "", starts
caps = starts[0]["clientCapabilities"]
assert set(caps) <= {"shell_command", "incremental_streaming", "read_file_chunked", "command_timeout"}, caps
assert "approval" in starts[1]["approval"] and starts[1]["approval"]["approval"]["tool_name"] == "run_command", starts[1]
ctx = starts[0]["additional_context"]
assert any(c["category"] == "local_git" and "main" in c["content"] for c in ctx), ctx
assert all(isinstance(c["metadata"], str) for c in ctx), ctx
resp = [m["actionResponse"]["requestID"] for m in log if "actionResponse" in m]
assert len(resp) == len(set(resp)) == 8, resp
assert not any(m.get("closed") == 4400 for m in log), [m for m in log if "closed" in m]
reqs = json.load(open(sys.argv[2]))
reqs = reqs.get("requests", reqs) if isinstance(reqs, dict) else reqs
ws = [r for r in reqs if r["path"].startswith("/api/v4/ai/duo_workflows/ws")]
assert len(ws) == 2 and all("glpat" not in r["path"] for r in ws), ws
assert all("project_id=" in r["path"] or r["query"] for r in ws), ws
PY
echo ok
