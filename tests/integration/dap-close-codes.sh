#!/bin/sh
# `duoterm run --json --provider duo-workflow` against the simulator's Duo
# Agent Platform endpoint: the same JSON events as the local agent, and the
# right message for each way a flow's connection ends: 1001 (reconnect and
# resume), a held lock (1013: retried with backoff), 1008 (quota), 4400
# (invalid, not retried), an upgrade refused with 403/404, a refused token,
# a failed flow.  The token never reaches the output or the log.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SIM=$SRCDIR/tests/sim/duoterm-sim
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/out" ] && sed 's/^/  out: /' "$work/out"; exit 1; }
work=$(mktemp -d /tmp/dt-dap-close.XXXXXX)
simpid=
stop_sim() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null; simpid=; }
cleanup() { stop_sim; rm -rf "$work"; }
trap cleanup EXIT
TOKEN=glpat-demo-0000000000000000

# run SCENARIO [TOKEN]: starts the sim, runs one flow in a fresh clone; $work/out, $rc
run() {
	stop_sim
	rm -f "$work/port"
	"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/$1" --port 0 --port-file "$work/port" >/dev/null 2>&1 &
	simpid=$!
	i=0; while [ ! -s "$work/port" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done
	URL=http://127.0.0.1:$(cat "$work/port")
	rm -rf "$work/repo"; mkdir -p "$work/repo"
	(cd "$work/repo" && git init -q -b main . && echo hi >a.txt && git add a.txt &&
	 git -c user.name=t -c user.email=t@e.invalid commit -qm init &&
	 git remote add origin "$URL/duoterm-demo/tools/sandbox.git") || fail "repo"
	(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=${2:-$TOKEN} timeout 60 "$BIN" run --json \
		--provider duo-workflow --log "$work/log" --log-level debug "say hello" >"$work/out" 2>&1)
	rc=$?
	grep -q "glpat-" "$work/out" "$work/log" 2>/dev/null && fail "$1: the token was printed or logged"
	return 0
}
last_done() { grep '"type":"done"' "$work/out" | tail -n 1; }
expect() { # scenario status outcome message-regex [token]
	run "$1" "$5"
	[ "$rc" = "$2" ] || fail "$1: exit $rc, expected $2"
	d=$(last_done)
	echo "$d" | grep -q "\"outcome\":\"$3\"" || fail "$1: outcome: $d"
	echo "$d" | grep -Eqi "$4" || fail "$1: message: $d"
	echo "$1: $d"
}

expect dap-1001.json 0 done 'finished'
grep -q 'close 1001' "$work/out" || fail "1001: no reconnect notice"
grep -q '"delta":"All done."' "$work/out" || fail "1001: resumed text missing"
[ "$(grep -c '"type":"session"' "$work/out")" = 1 ] || fail "1001: session line"
curl -s "$URL/api/v4/ai/duo_workflows/__sim" | grep -q '"connections": *2' || fail "1001: not exactly 2 connections"

expect dap-lock.json 0 done 'input required'
[ "$(grep -c 'in use by another connection' "$work/out")" = 2 ] || fail "lock: two retries expected"

expect dap-1008.json 1 failed 'quota'
expect dap-4400.json 1 failed 'invalid.*goal is empty.*not retried'
curl -s "$URL/api/v4/ai/duo_workflows/__sim" | grep -q '"connections": *1' || fail "4400 was retried"
expect dap-upgrade-403.json 1 failed 'HTTP 403.*licence'
expect dap-upgrade-404.json 1 failed 'HTTP 404'
expect dap-failed.json 1 failed 'flow failed'
expect dap-1008.json 1 failed 'create the workflow \(HTTP 401\).*token' glpat-wrong-0000000000000
echo ok
