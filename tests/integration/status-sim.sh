#!/bin/sh
# `duoterm status` through the real net thread against the simulator: the
# three counts come in one round trip; a wrong token is explained without
# being shown; the token never reaches the log; a dead server is explained.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SIM=$SRCDIR/tests/sim/duoterm-sim
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
work=$(mktemp -d /tmp/dt-status.XXXXXX)
cleanup() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/static.json" --port 0 --port-file "$work/port" \
	>/dev/null 2>&1 &
simpid=$!
i=0; while [ ! -s "$work/port" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done
URL=http://127.0.0.1:$(cat "$work/port")
"$SRCDIR/tests/sim/make-demo-repo" "$work/repo" "$URL" >/dev/null 2>&1 || fail "make-demo-repo"
TOKEN=glpat-demo-0000000000000000

cd "$work/repo" || exit 1
GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN "$BIN" status --json --log "$work/log" \
	--log-level debug >"$work/out" 2>&1 || fail "status failed: $(cat "$work/out")"
/usr/bin/python3 - "$work/out" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["user"]["username"] == "dana", r
assert r["project"] == "duoterm-demo/tools/sandbox", r
assert r["branch"] == "ci/asan", r
for k in ("merge_requests", "issues", "pipelines"):
    assert isinstance(r[k], (int, float)) and r[k] > 0, (k, r)
assert r["errors"] == [], r
PY
grep -q "glpat-demo" "$work/log" && fail "the token reached the log"
grep -q "GET /api/v4/user -> 200" "$work/log" || fail "log lacks the request line: $(head -5 "$work/log")"

# the same answers the simulator recorded: one request each, credentials never echoed
curl -s "$URL/__sim/requests" >"$work/reqs"
grep -q "glpat-demo" "$work/reqs" && fail "sim saw the token in a URL"

# a wrong token: explained, exit 1, never printed
GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=glpat-wrong-123456789 "$BIN" status >"$work/out" 2>&1 && fail "wrong token passed"
grep -q "GitLab refused the token (401) from GITLAB_TOKEN" "$work/out" || fail "401 message: $(cat "$work/out")"
grep -q "glpat-wrong" "$work/out" && fail "the wrong token was printed"
[ "$(grep -c '^error' "$work/out")" -eq 1 ] || fail "the same error was repeated: $(cat "$work/out")"

# a server that is not there
kill "$simpid"; wait "$simpid" 2>/dev/null; simpid=
GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN "$BIN" status >"$work/out" 2>&1 && fail "dead server passed"
grep -q "cannot reach GitLab" "$work/out" || fail "dead server message: $(cat "$work/out")"
echo ok
