#!/bin/sh
# GitLab load figures (not a test):
#  1. with 100 ms of latency injected by the simulator, the three side-panel
#     lists fetched one after another vs all at once (the client's per-host
#     cap 1 vs 4): the serial/concurrent ratio (target >= 2.5), and
#     `duoterm status` (user, project and three counts) end to end;
#  2. requests per minute while the workbench sits idle with every panel
#     open (IDLE_SECONDS, default 60, from 5 s after the start), counted by
#     the simulator: on a wide terminal (all three panels on screen, none
#     focused: 30 s, doubling while unchanged) and a narrow one (two of them
#     tabbed away: 2 min, doubling).
IDLE_SECONDS=${IDLE_SECONDS:-60}
GL_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
. "$GL_SRCDIR/tests/integration/gitlab-lib.sh"

start_sim "$SCEN/static.json" --latency-ms 100
build_driver
P=/projects/duoterm-demo%2Ftools%2Fsandbox/merge_requests?per_page=20
now() { date +%s%N; }
elapsed() { sed -n 's/.*"tag":"cap-end".*"elapsed_ms":\([0-9]*\).*/\1/p'; }
serial=$("$DRV" "$URL" "$TOKEN" cap 1 3 "$P" 2>/dev/null | elapsed)
conc=$("$DRV" "$URL" "$TOKEN" cap 4 3 "$P" 2>/dev/null | elapsed)
echo "3 panel lists at 100 ms latency (in-process): serial $serial ms, concurrent $conc ms, ratio $(awk "BEGIN {printf \"%.2f\", $serial / $conc}")"

"$SRCDIR/tests/sim/make-demo-repo" "$work/repo" "$URL" >/dev/null 2>&1
t0=$(now)
(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN "$BIN" status >/dev/null)
t1=$(now)
echo "duoterm status (5 requests) at 100 ms latency: $(( (t1 - t0) / 1000000 )) ms"
kill "$simpid"; wait "$simpid" 2>/dev/null; simpid=

command -v tmux >/dev/null || { echo "idle requests: tmux missing"; exit 0; }
count() { curl -s "$URL/__sim/requests" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d if isinstance(d, list) else d.get("requests", [])))'; }
# idle COLS LABEL: the workbench left alone IDLE_SECONDS after its start
idle() {
	start_sim "$SCEN/static.json"
	sock=dt-bench-gl-$$
	tmux -L "$sock" -f /dev/null new-session -d -s g -x "$1" -y 40 \
		"cd $work/repo && env TERM=tmux-256color GITLAB_INSTANCE_URL=$URL GITLAB_TOKEN=$TOKEN $BIN"
	sleep 5
	n0=$(count)
	sleep "$IDLE_SECONDS"
	n1=$(count)
	tmux -L "$sock" kill-server
	stop_sim
	echo "idle workbench, $2: $((n1 - n0)) requests in ${IDLE_SECONDS} s ($(awk "BEGIN {printf \"%.1f\", ($n1 - $n0) * 60 / $IDLE_SECONDS}") per minute)"
}
idle 120 "120 columns, all three panels on screen"
idle 80 "80 columns, the side panels tabbed (one on screen)"
