# Shared by tests/integration/gitlab-*.sh (sourced; not a test itself): the
# simulator on 127.0.0.1 port 0 with a scenario, private HOME/XDG
# directories, and tests/tools/gitlab-client.c built against the library.
#
#   . "$(dirname "$0")/gitlab-lib.sh"
#   scenario NAME '{"extends": "static.json", ...}'   writes $work/NAME.json
#   start_sim FILE [SIM OPTIONS]                       sets URL
#   build_driver                                       $DRV
#   reqs FILE [PATH_REGEX]                             /__sim/requests into FILE
# DT_KEEP=1 keeps the work directory.
SRCDIR=${GL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
BUILD=${DT_BUILD:-$SRCDIR/build}
SIM=$SRCDIR/tests/sim/duoterm-sim
SCEN=$SRCDIR/tests/sim/scenarios
PY=/usr/bin/python3
TOKEN=glpat-demo-0000000000000000

$PY -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "curl missing"; exit 77; }

fail() { echo "FAIL: $*"; exit 1; }

work=$(mktemp -d /tmp/dt-gitlab.XXXXXX)
simpid=''
cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	if [ -n "$DT_KEEP" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

STATE=$work/state
mkdir -p "$STATE" "$work/config" "$work/home"
export HOME=$work/home XDG_STATE_HOME=$STATE XDG_CONFIG_HOME=$work/config
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export DUOTERM_AUDIT_FILE=$work/audit.jsonl
unset GITLAB_TOKEN GITLAB_INSTANCE_URL DUOTERM_LOG GITLAB_OAUTH_APP_ID GITLAB_OAUTH_APP_SECRET
unset GITLAB_OAUTH_CALLBACK_URL BROWSER
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy

# scenario NAME JSON: a scenario file beside the stock ones' directory
# ("extends" is resolved against $SCEN by writing the absolute path).
scenario() {
	printf '%s\n' "$2" | sed "s|\"extends\": *\"\([a-z0-9-]*\.json\)\"|\"extends\": \"$SCEN/\1\"|" \
		>"$work/$1.json"
}

start_sim() {
	scen=$1
	shift
	rm -f "$work/port"
	"$SIM" --scenario "$scen" --port 0 --port-file "$work/port" --quiet "$@" \
		</dev/null >/dev/null 2>"$work/sim.err" &
	simpid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && fail "the simulator did not start: $(cat "$work/sim.err")"
		kill -0 "$simpid" 2>/dev/null || fail "the simulator exited: $(cat "$work/sim.err")"
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$work/port")
}

stop_sim() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	simpid=''
}

build_driver() {
	[ -f "$BUILD/libduoterm.a" ] || { echo "no $BUILD/libduoterm.a"; exit 77; }
	mk() { sed -n "s/^$1 = //p" "$SRCDIR/config.mk"; }
	san=
	[ -n "$DT_SANITIZED" ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
	DRV=$work/gitlab-client
	${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -g $san -I"$SRCDIR/include" $(mk DEP_CFLAGS) \
		-DDUOTERM_VERSION='"test"' -o "$DRV" "$SRCDIR/tests/tools/gitlab-client.c" \
		"$BUILD/libduoterm.a" $(mk DEP_LIBS) -lm -pthread 2>"$work/cc.log" ||
		{ cat "$work/cc.log"; fail "cannot build tests/tools/gitlab-client.c"; }
	[ -s "$work/cc.log" ] && { cat "$work/cc.log"; fail "warnings in tests/tools/gitlab-client.c"; }
	return 0
}

# reqs FILE [PATH_REGEX]: the simulator's request log (a JSON list)
reqs() {
	$PY - "$URL" "$1" "${2:-}" <<'PY' || fail "cannot read /__sim/requests"
import json, sys, urllib.parse, urllib.request
u = sys.argv[1] + "/__sim/requests"
if sys.argv[3]:
    u += "?path=" + urllib.parse.quote(sys.argv[3])
with urllib.request.urlopen(u, timeout=10) as r:
    data = json.load(r)
json.dump(data.get("requests", data) if isinstance(data, dict) else data, open(sys.argv[2], "w"))
PY
}

sim_reset() { curl -s -X POST "$URL/__sim/reset" >/dev/null || fail "reset"; }
