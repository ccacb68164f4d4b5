# Shared by the `duoterm run --provider duo-workflow` tests (sourced; not a
# test itself): the simulator's Duo Agent Platform on 127.0.0.1 and a
# one-file repository whose origin is a project on it.
#
#   . "$(dirname "$0")/dap-lib.sh"
#   dap_sim dap-resume.json      (re)starts the simulator: $URL
#   dap_repo                     $work/repo: a.txt = "hi", committed
#   dap_run ARGS...              `duoterm run --json ARGS` in it (token set)
# fail prints $work/out* (the runs' output) before failing.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SIM=$SRCDIR/tests/sim/duoterm-sim
TOKEN=glpat-demo-0000000000000000
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
fail() {
	echo "FAIL: $*"
	for f in "$work"/out*; do [ -f "$f" ] && sed "s|^|  ${f##*/}: |" "$f"; done
	exit 1
}
work=$(mktemp -d /tmp/dt-dap.XXXXXX)
simpid=
stop_sim() { [ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null; simpid=; }
trap 'stop_sim; rm -rf "$work"' EXIT
export XDG_STATE_HOME=$work/state XDG_CONFIG_HOME=$work/config
mkdir -p "$XDG_CONFIG_HOME/duoterm"

dap_sim() {
	stop_sim
	rm -f "$work/port"
	"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/$1" --port 0 --port-file "$work/port" \
		>/dev/null 2>&1 &
	simpid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1)); [ $i -gt 200 ] && fail "the simulator did not start"; sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$work/port")
}

dap_repo() {
	rm -rf "$work/repo" && mkdir -p "$work/repo"
	(cd "$work/repo" && git init -q -b main . && echo hi >a.txt && git add a.txt &&
	 git -c user.name=t -c user.email=t@e.invalid commit -qm init &&
	 git remote add origin "$URL/duoterm-demo/tools/sandbox.git") || fail "repo"
}

dap_run() {
	(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN timeout 60 "$BIN" run \
		--json "$@")
}
