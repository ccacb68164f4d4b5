#!/bin/sh
# MCP end to end against the real reference servers from npm
# (@modelcontextprotocol/server-everything and server-filesystem, stdio):
# the simulator's scripted model (scenarios/agent-mcp.json) calls their tools
# through `duoterm run --json`, configured by the repository's
# .gitlab/duo/mcp.json as GitLab's clients read it.
#  - everything__echo and everything__get-sum give the server's own answers;
#  - files__read_text_file reads a file of the directory the server allows;
#  - a tool the server does not have is a tool error the model reads;
#  - a server that exits at start ("false"): its tools fail with its exit
#    status, the other servers work, the run finishes;
#  - without --approve an MCP tool is not run: the run stops asking;
#  - the model's request lists the MCP tools with their input schemas;
#  - --provider duo-workflow: mcpTools in the startRequest, privilege 6,
#    runMCPTool answered by the server, refused for a built-in tool's name;
#  - streamable HTTP (server-everything's own): a tool call, doctor's line,
#    type sse reported as unsupported, a session the server forgot (its 400)
#    followed by a new session.
# The servers are installed with npm into tests/.npm-mcp (gitignored) or
# $DT_NPM_MCP; without npm, or when the install fails, the test is skipped.
. "$(dirname "$0")/agent-lib.sh"

NPM_DIR=${DT_NPM_MCP:-$SRCDIR/tests/.npm-mcp}
EV=$NPM_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js
FS=$NPM_DIR/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js
if [ ! -f "$EV" ] || [ ! -f "$FS" ]; then
	command -v npm >/dev/null 2>&1 || { echo "npm missing"; exit 77; }
	mkdir -p "$NPM_DIR" || exit 77
	[ -f "$NPM_DIR/package.json" ] ||
		echo '{"name":"dt-npm-mcp","version":"0.0.0","private":true}' >"$NPM_DIR/package.json"
	(cd "$NPM_DIR" && timeout 300 npm install --no-audit --no-fund --loglevel=error \
		@modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem) \
		>"$work/npm.log" 2>&1 || { echo "npm install failed: $(tail -n 3 "$work/npm.log")"; exit 77; }
fi

httppid=
trap '[ -n "$httppid" ] && kill "$httppid" 2>/dev/null; cleanup' EXIT
start_sim agent-mcp.json
R=$work/repo
mkdir -p "$work/fsroot" "$R/.gitlab/duo"
echo "mcp note 7731" >"$work/fsroot/note.txt"
echo "outside 5550" >"$work/secret.txt"
$PY - "$R/.gitlab/duo/mcp.json" "$EV" "$FS" "$work/fsroot" <<'PY'
import json, sys
out, ev, fs, root = sys.argv[1:]
json.dump({"mcpServers": {
    "everything": {"type": "stdio", "command": "node", "args": [ev, "stdio"]},
    "files": {"type": "stdio", "command": "node", "args": [fs, root], "cwd": root},
    "dead": {"type": "stdio", "command": "false"},
}}, open(out, "w"), indent=1)
PY

# json_check OUT WHAT PYTHON: assertions with ev, tools (id -> last tool
# event), order (tool ids) and text (the reply)
json_check() {
	$PY - "$1" <<PY || fail "$2: $(tail -n 4 "$1")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
tools, order = {}, []
for e in ev:
    if e["type"] == "tool":
        if e["id"] not in tools:
            order.append(e["id"])
        tools[e["id"]] = e
text = "".join(e["delta"] for e in ev if e["type"] == "text")
$3
PY
}

run_ok() { # OUT GOAL NAME STATUS WANT DONE
	dt "$work/$1" run --json --approve '*' "$2"
	[ "$rc" -eq 0 ] || fail "$2: exit $rc: $(tail -n 3 "$work/$1") $(cat "$work/$1.err")"
	check_run "$work/$1"
	json_check "$work/$1" "$2" "
assert [tools[i]['name'] for i in order] == ['$3'], order
t = tools[order[0]]
assert t['status'] == '$4', t
assert '$5' in t['result'], t
assert '$6' in text and ev[-1]['outcome'] == 'done', (text, ev[-1])
"
}

run_ok out-echo.json "[mcp-echo] say hello" everything__echo success \
	"Echo: hello from the model" ECHO-DONE
run_ok out-sum.json "[mcp-sum] add" everything__get-sum success "The sum of 2 and 40 is 42" SUM-DONE
run_ok out-file.json "[mcp-file] read the note" files__read_text_file success "mcp note 7731" FILE-DONE
run_ok out-unknown.json "[mcp-unknown] try" everything__no-such-tool failure \
	"Tool no-such-tool not found" UNKNOWN-DONE
run_ok out-dead.json "[mcp-dead] try" dead__anything failure \
	"MCP server dead exited with status 1" DEAD-DONE

# the model saw the MCP tools, with their schemas, next to the built-in ones
sim_requests "$work/reqs.json"
$PY - "$work/reqs.json" <<'PY' || fail "the tools in the model request"
import json, sys
reqs = [r for r in json.load(open(sys.argv[1]))
        if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
body = reqs[0]["body"]
body = json.loads(body) if isinstance(body, str) else body
fns = {t["function"]["name"]: t["function"] for t in body["tools"]}
assert "read_file" in fns and "everything__echo" in fns and "files__read_text_file" in fns, sorted(fns)
assert not any(n.startswith("dead__") for n in fns), sorted(fns)
echo = fns["everything__echo"]
assert echo["parameters"]["properties"]["message"]["type"] == "string", echo
assert "MCP server everything" in echo["description"], echo
assert all(len(n) <= 64 for n in fns), sorted(fns)
PY

# the filesystem server keeps to its directory (the server's own check)
dt "$work/out-file2.json" run --json --approve 'files__*' "[mcp-file] read the note"
[ "$rc" -eq 0 ] || fail "approve files__*: exit $rc: $(tail -n 3 "$work/out-file2.json")"

# no approval: the tool does not run, the run stops asking
dt "$work/out-apr.json" run --json "[mcp-echo] say hello"
[ "$rc" -eq 3 ] || fail "no approval: exit $rc, want 3: $(tail -n 3 "$work/out-apr.json")"
check_run "$work/out-apr.json"
json_check "$work/out-apr.json" "no approval" '
ap = [e for e in ev if e["type"] == "approval"]
assert len(ap) == 1 and ap[0]["tool"] == "everything__echo", ap
assert ap[0]["pattern"] == "everything__echo", ap
assert not any(t.get("status") == "success" for t in tools.values()), tools
assert ev[-1]["outcome"] == "approval_needed", ev[-1]
'
# ... and a pattern for another tool does not approve it
dt "$work/out-apr2.json" run --json --approve 'everything__get-sum' "[mcp-echo] say hello"
[ "$rc" -eq 3 ] || fail "another tool's approval: exit $rc, want 3"

# the Duo Agent Platform flow: mcpTools in the startRequest, privilege 6,
# runMCPTool runs the server's tool, and never a built-in tool
(cd "$R" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN timeout 60 "$BIN" run --json \
	--provider duo-workflow --approve '*' "[mcp-dap] use the MCP tools") >"$work/out-dap.json" 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "dap: exit $rc: $(tail -n 5 "$work/out-dap.json")"
grep -q MCP-DAP-DONE "$work/out-dap.json" || fail "dap: no final answer: $(tail -n 3 "$work/out-dap.json")"
[ -e "$R/pwned" ] && fail "dap: runMCPTool ran a built-in tool"
curl -s "$URL/api/v4/ai/duo_workflows/__sim" >"$work/dap-sim.json"
$PY - "$work/dap-sim.json" <<'PY' || fail "dap: what the client sent"
import json, sys
log = json.load(open(sys.argv[1]))["log"]
create = [m["create"] for m in log if "create" in m]
assert 6 in create[0]["agent_privileges"], create
start = [m["startRequest"] for m in log if "startRequest" in m][0]
tools = {t["name"]: t for t in start["mcpTools"]}
assert "everything__get-sum" in tools and "files__read_text_file" in tools, sorted(tools)
schema = json.loads(tools["everything__echo"]["inputSchema"])
assert schema["properties"]["message"]["type"] == "string", schema
resp = [m["actionResponse"] for m in log if "actionResponse" in m]
assert len(resp) == 3, resp
PY

# streamable HTTP: server-everything's own HTTP transport on a free port
# of 127.0.0.1 (it listens on every interface; we only connect to loopback)
HPORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$HPORT node "$EV" streamableHttp >"$work/http.log" 2>&1 &
httppid=$!
wait_for "$work/http.log" "listening on port" 100 || fail "the HTTP server did not start: $(cat "$work/http.log")"
$PY - "$R/.gitlab/duo/mcp.json" "http://127.0.0.1:$HPORT/mcp" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["mcpServers"] = {"web": {"type": "http", "url": sys.argv[2], "headers": {"X-Test": "yes"}},
                   "old": {"type": "sse", "url": sys.argv[2] + "/sse"}}
json.dump(c, open(sys.argv[1], "w"))
PY
run_ok out-http.json "[mcp-http] add over http" web__get-sum success "The sum of 20 and 22 is 42" HTTP-DONE
wait_for "$work/http.log" "Received session termination request" 30 || fail "no DELETE ended the session"
(cd "$R" && GITLAB_INSTANCE_URL=http://127.0.0.1:9 timeout 60 "$BIN" doctor --json) >"$work/doctor.json" 2>&1
$PY - "$work/doctor.json" <<'PY' || fail "doctor on MCP servers: $(cat "$work/doctor.json")"
import json, sys
checks = {c["name"]: c for c in json.load(open(sys.argv[1]))["checks"]}
web, old = checks["mcp web"], checks["mcp old"]
assert web["status"] == "pass" and "13 tools" in web["detail"], web
assert old["status"] == "warn" and "type sse" in old["detail"], old
assert not web["required"] and not old["required"]
PY

# the server forgets the session (restarted while the model waits): the
# call fails with the server's 400, the next one starts a new session
dt_bg "$work/out-session.json" run --json --approve '*' "[mcp-session] go"
wait_for "$work/out-session.json" '"command\":\"sleep 3\"}","status":"running"' 100 ||
	fail "session: the sleep did not start: $(tail -n 3 "$work/out-session.json")"
kill "$httppid"; wait "$httppid" 2>/dev/null
PORT=$HPORT node "$EV" streamableHttp >"$work/http2.log" 2>&1 &
httppid=$!
wait_for "$work/http2.log" "listening on port" 100 || fail "the HTTP server did not start again"
wait "$dtpid"; rc=$?; dtpid=
[ "$rc" -eq 0 ] || fail "session: exit $rc: $(tail -n 3 "$work/out-session.json")"
json_check "$work/out-session.json" "a lost session" '
calls = [tools[i] for i in order if tools[i]["name"] == "web__get-sum"]
assert len(calls) == 2, calls
assert calls[0]["status"] == "failure" and "HTTP 400" in calls[0]["result"], calls[0]
assert "the next call starts a new one" in calls[0]["result"], calls[0]
assert calls[1]["status"] == "success" and "is 3" in calls[1]["result"], calls[1]
assert "SESSION-DONE" in text, text
'
grep -q "Session initialized" "$work/http2.log" || fail "session: no new session"
kill "$httppid"; wait "$httppid" 2>/dev/null; httppid=

# no MCP process outlives duoterm
sleep 0.3
pgrep -f "$EV" >/dev/null && fail "an MCP server is still running"
pgrep -f "$FS" >/dev/null && fail "an MCP server is still running"
echo "ok: MCP tools of real servers through the agent"
exit 0
