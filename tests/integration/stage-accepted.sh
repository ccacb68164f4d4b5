#!/bin/sh
# review.stage_accepted: a proposal accepted (here by `duoterm run
# --accept-proposals`, through the same store as Review's y) is written to
# the work tree, and with the setting also staged -- exactly what landed;
# without it the index is left alone.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SIM=$SRCDIR/tests/sim/duoterm-sim
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$work/out" ] && sed 's/^/  out: /' "$work/out"; exit 1; }
work=$(mktemp -d /tmp/dt-stage-accepted.XXXXXX)
simpid=
stop_sim() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null; simpid=; }
trap 'stop_sim; rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config
mkdir -p "$XDG_CONFIG_HOME/duoterm"

# run STAGE(true|false): a fresh simulator and repository; the flow writes
# a.txt ("hi" -> "hi there"), accepted at once
run() {
	stop_sim
	rm -rf "$work/repo" "$work/port"
	printf '{"review": {"stage_accepted": %s}}\n' "$1" >"$XDG_CONFIG_HOME/duoterm/config.json"
	"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/dap-resume.json" --port 0 \
		--port-file "$work/port" >/dev/null 2>&1 &
	simpid=$!
	i=0; while [ ! -s "$work/port" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done
	URL=http://127.0.0.1:$(cat "$work/port")
	mkdir -p "$work/repo"
	(cd "$work/repo" && git init -q -b main . && echo hi >a.txt && git add a.txt &&
	 git -c user.name=t -c user.email=t@e.invalid commit -qm init &&
	 git remote add origin "$URL/duoterm-demo/tools/sandbox.git") || fail "repo"
	(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=glpat-demo-0000000000000000 \
	 timeout 60 "$BIN" run --json --provider duo-workflow --accept-proposals "tidy a.txt") \
		>"$work/out" 2>&1 || fail "stage_accepted=$1: exit $?"
	grep -q '"type":"proposal","path":"a.txt","accepted":true' "$work/out" ||
		fail "stage_accepted=$1: the proposal was not accepted"
	[ "$(cat "$work/repo/a.txt")" = "hi there" ] || fail "stage_accepted=$1: a.txt not written"
}

run true
[ "$(cd "$work/repo" && git show :a.txt)" = "hi there" ] || fail "accepted, but not staged"
[ -z "$(cd "$work/repo" && git diff --name-only)" ] || fail "the index is not what landed"

run false
[ "$(cd "$work/repo" && git show :a.txt)" = "hi" ] || fail "staged without the setting"
echo ok
