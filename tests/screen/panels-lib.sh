# Helpers for the GitLab side panels' screen tests (sourced, not run): a
# simulator of our own on 127.0.0.1 (so the test can push changes and read
# what it received), the demo repository pointing at it, and duoterm in
# tmux signed in with the demo token.
#
#   gl_sim [SCENARIO [PORT]]       starts the simulator (static.json), sets URL
#   gl_start COLS ROWS [ENV=V ...] duoterm in the repository, lists loaded
#   gl_seq                         the simulator's request count so far
#   gl_reqs SINCE [PATH_REGEX]     "METHOD PATH STATUS BODY" lines since SINCE
#   gl_push JSON                   POST /__sim/push
#   gl_subs                        the pipelines (N) and jobs (jN) subscribed to
. "$(dirname "$0")/ui.sh"
PY=/usr/bin/python3
$PY -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"
command -v curl >/dev/null 2>&1 || skip "curl missing"
unset GITLAB_TOKEN GITLAB_INSTANCE_URL
simpid=
gl_cleanup() {
	[ -n "$simpid" ] && kill "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
	ui_cleanup
}
trap gl_cleanup EXIT

gl_sim() {
	rm -f "$work/port"
	"$DT_SRCDIR/tests/sim/duoterm-sim" --scenario "$DT_SRCDIR/tests/sim/scenarios/${1:-static.json}" \
		--port "${2:-0}" --port-file "$work/port" --quiet </dev/null >/dev/null 2>"$work/sim.err" &
	simpid=$!
	i=0
	while [ ! -s "$work/port" ]; do
		i=$((i + 1))
		[ $i -gt 300 ] && die "the simulator did not start: $(cat "$work/sim.err")"
		sleep 0.05
	done
	URL=http://127.0.0.1:$(cat "$work/port")
	[ -d "$work/repo" ] && return 0
	"$DT_SRCDIR/tests/sim/make-demo-repo" "$work/repo" "$URL" >/dev/null 2>&1 ||
		die "make-demo-repo failed"
}

gl_start() {
	c=$1 r=$2
	shift 2
	screen_start "$c" "$r" "cd $work/repo && env XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=glpat-demo-0000000000000000 $* $(dt_cmd --no-color --log "$work/log" --log-level debug)"
	screen_wait "1 Plan" 20
	screen_wait "online @dana" 20
}

gl_seq() {
	curl -s "$URL/__sim/info" | $PY -c 'import json, sys; print(json.load(sys.stdin)["requests"])'
}

gl_reqs() {
	curl -s "$URL/__sim/requests?since=$1${2:+&path=$2}" | $PY -c '
import json, sys
for r in json.load(sys.stdin):
    print(r["method"], r["path"].split("%2Fsandbox", 1)[-1], r["status"],
          json.dumps(r.get("body"), sort_keys=True) if r.get("body") is not None else "-")'
}

gl_push() {
	curl -s -X POST "$URL/__sim/push" -d "$1" | grep -q '"ok": *true' || die "push $1 failed"
}

gl_subs() {
	curl -s "$URL/__sim/info" | $PY -c '
import json, sys
def name(v):
    if "jobId" in v:
        return "j" + v["jobId"].rsplit("/", 1)[-1]
    return v.get("pipelineId", "?").rsplit("/", 1)[-1]
print(" ".join(sorted(name(s["variables"]) for s in json.load(sys.stdin)["cable_subscriptions"])))'
}

# gl_wait_subs "311 312" [SECONDS]
gl_wait_subs() {
	i=0 limit=$(( ${2:-5} * 20 ))
	while [ "$(gl_subs)" != "$1" ]; do
		i=$((i + 1))
		[ $i -gt $limit ] && die "subscriptions are '$(gl_subs)', not '$1'"
		sleep 0.05
	done
}
