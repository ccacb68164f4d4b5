#!/bin/sh
# `duoterm doctor` (src/ui/doctor.c, run through tests/tools/dap-doctor.c until
# main.c wires it) against the simulator and each fault it can inject: all
# good; a bad token; a token without the api scope; 403 on Duo; a proxy that
# does not upgrade WebSockets.  The report is JSON with --json and the exit
# status is non-zero when a required check fails.  (TLS failures need a TLS
# server: not covered here — the sim is plain HTTP.)
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DT_BUILD:-$SRCDIR/build}
SIM=$SRCDIR/tests/sim/duoterm-sim
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
[ -f "$BUILD/libduoterm.a" ] || { echo "no $BUILD/libduoterm.a"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/out" ] && sed 's/^/  out: /' "$work/out"; exit 1; }
work=$(mktemp -d /tmp/dt-doctor.XXXXXX)
simpid=
stop_sim() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null; simpid=; }
cleanup() { stop_sim; rm -rf "$work"; }
trap cleanup EXIT
mk() { sed -n "s/^$1 = //p" "$SRCDIR/config.mk"; }
san=
[ -n "$DT_SANITIZED" ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
${CC:-cc} -std=c11 -D_GNU_SOURCE -g $san -I"$SRCDIR/include" $(mk DEP_CFLAGS) -o "$work/doctor" \
	"$SRCDIR/tests/tools/dap-doctor.c" "$BUILD/libduoterm.a" $(mk DEP_LIBS) -lm -pthread 2>"$work/cc.log" \
	|| { cat "$work/cc.log"; fail "cannot build tests/tools/dap-doctor.c"; }

# doctor SCENARIO TOKEN: $work/out (JSON), $rc
doctor() {
	stop_sim
	rm -f "$work/port"
	"$SIM" --scenario "$1" --port 0 --port-file "$work/port" >/dev/null 2>&1 &
	simpid=$!
	i=0; while [ ! -s "$work/port" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done
	URL=http://127.0.0.1:$(cat "$work/port")
	rm -rf "$work/repo"; mkdir -p "$work/repo"
	(cd "$work/repo" && git init -q -b main . && git remote add origin "$URL/duoterm-demo/tools/sandbox.git")
	(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$2 GITLAB_AI_GATEWAY_URL=$URL \
		DUOTERM_PROVIDER=duo-workflow timeout 60 "$work/doctor" --json >"$work/out" 2>"$work/err")
	rc=$?
	grep -q "$2" "$work/out" && fail "the token is in the report"
	return 0
}
status_of() { /usr/bin/python3 -c "
import json,sys
r=json.load(open('$work/out'))
print(' '.join('%s=%s' % (c['name'], c['status']) for c in r['checks']))" ; }
has() { status_of | tr ' ' '\n' | grep -qx "$1" || fail "$2: expected $1 in: $(status_of)"; }
sc() { f=$work/$1.json; printf '%s\n' "$2" >"$f"; echo "$f"; }
TOKEN=glpat-demo-0000000000000000
DEMO=$SRCDIR/tests/sim/scenarios/demo.json

doctor "$SRCDIR/tests/sim/scenarios/static.json" $TOKEN
[ "$rc" = 0 ] || fail "healthy: exit $rc"
for c in dns=pass tcp=pass http2=skipped token=pass user=pass project=pass duo=pass websocket_cable=pass \
	websocket_dap=pass direct_access=pass ai_gateway=pass models=skipped proxy=pass; do has $c healthy; done
/usr/bin/python3 -c "
import json; r=json.load(open('$work/out')); assert r['ok'] is True
t=[c for c in r['checks'] if c['name']=='token'][0]; assert 'ai_workflows' in t['detail'], t" || fail "report"

doctor "$SRCDIR/tests/sim/scenarios/bad-token.json" $TOKEN
[ "$rc" = 1 ] || fail "bad token: exit $rc"
has token=fail "bad token"; has duo=skipped "bad token"
grep -q '"fix"' "$work/out" || fail "no fix hint"

doctor "$SRCDIR/tests/sim/scenarios/static.json" glpat-readonly-000000000000
[ "$rc" = 1 ] || fail "missing scope: exit $rc"
has token=fail "missing scope"

doctor "$(sc no-duo "{\"extends\": \"$DEMO\", \"live\": false, \"dap\": {\"available\": false}}")" $TOKEN
[ "$rc" = 1 ] || fail "no duo: exit $rc"
has duo=fail "no duo"; has direct_access=fail "no duo"
grep -q 'licence' "$work/out" || fail "no duo: hint"

doctor "$(sc no-upgrade "{\"extends\": \"$DEMO\", \"live\": false, \"dap\": {\"no_upgrade\": true},
  \"faults\": [{\"path\": \"^/-/cable\$\", \"kind\": \"status\", \"status\": 200, \"body\": \"<html>proxy</html>\"}]}")" $TOKEN
[ "$rc" = 1 ] || fail "no upgrade: exit $rc"
has websocket_cable=fail "no upgrade"; has websocket_dap=fail "no upgrade"
grep -q 'strips the Upgrade' "$work/out" || fail "no upgrade: hint"

# a dead server: DNS fine, nothing else
stop_sim
(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN timeout 60 "$work/doctor" >"$work/out" 2>&1)
[ $? = 1 ] || fail "dead server passed"
grep -q '^FAIL  *tcp' "$work/out" || fail "dead server: tcp"
echo ok
