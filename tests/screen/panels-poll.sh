#!/bin/sh
# Polling by visibility, counted by the simulator: on a narrow terminal the
# side panels fold into tabs and only the front one is on screen.  With
# DUOTERM_POLL_MS=500:500:5000:8000 (focused, visible, hidden, most), the panel on screen
# is asked far more often than the two behind it, its interval doubles while
# nothing changes, a change brings it back to the base, and a panel brought
# to the front is asked at once rather than when its slow timer ends.
. "$(dirname "$0")/panels-lib.sh"
gl_sim
gl_start 80 40 DUOTERM_POLL_MS=500:500:5000:8000
screen_wait "!4 " 10
# lists SINCE [WINDOW]: per list, how many GETs (within WINDOW seconds of
# the first list request after SINCE) and the gaps between them (ms)
lists() {
	curl -s "$URL/__sim/requests?since=$1" | $PY -c '
import json, sys
window = float(sys.argv[1]) if len(sys.argv) > 1 else 1e9
by, t0 = {}, None
for r in json.load(sys.stdin):
    p = r["path"].rsplit("/", 1)[-1]
    if r["method"] == "GET" and p in ("merge_requests", "issues", "pipelines"):
        t0 = r["time"] if t0 is None else t0
        if r["time"] <= t0 + window:
            by.setdefault(p, []).append(r["time"])
for p in ("merge_requests", "issues", "pipelines"):
    t = by.get(p, [])
    print(p, len(t), " ".join(str(round((b - a) * 1000)) for a, b in zip(t, t[1:])))' $2
}
count() { sed -n "s/^$1 \([0-9]*\).*/\1/p"; }
# wait_asked LIST SINCE TICKS: until LIST was asked after SINCE (TICKS of 50 ms)
wait_asked() {
	i=0
	until [ "$(lists "$2" | count "$1")" -ge 1 ]; do
		i=$((i + 1))
		[ $i -gt "$3" ] && die "$1 was not asked: $(lists "$2")"
		sleep 0.05
	done
}

# the first 6 s: on screen at 0, 0.5, 1.5, 3.5 (then 7.5); behind at 0, 5
i=0
until [ "$(lists 0 | count merge_requests)" -ge 5 ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && die "the visible list stopped being asked: $(lists 0)"
	sleep 0.05
done
lists 0 6 > "$work/n"
mrs=$(count merge_requests < "$work/n")
issues=$(count issues < "$work/n")
pipes=$(count pipelines < "$work/n")
[ "$mrs" -ge 4 ] || die "the panel on screen was asked $mrs times in 6 s: $(cat "$work/n")"
[ "$issues" -le 2 ] && [ "$pipes" -le 2 ] || die "hidden panels were asked too often: $(cat "$work/n")"
set -- $(sed -n 's/^merge_requests [0-9]* //p' "$work/n")
[ "$2" -ge $(( $1 * 3 / 2 )) ] && [ "$3" -ge $(( $2 * 3 / 2 )) ] ||
	die "no backoff while unchanged: $(cat "$work/n")"

# a change resets the interval: the next requests come quickly again
gl_push '{"type": "patch", "resource": "merge_request", "iid": 4, "set": {"title": "CI: renamed"}}'
screen_wait "CI: renamed" 10
seq=$(gl_seq)
sleep 1.2
[ "$(lists "$seq" | count merge_requests)" -ge 1 ] || die "no fast refresh after a change: $(lists "$seq")"

# Issues to the front right after its slow timer asked (so the next is 5 s
# or more away): asked again within a second all the same
wait_asked issues "$(gl_seq)" 300
seq=$(gl_seq)
t0=$(date +%s%N)
screen_keys 5
wait_asked issues "$seq" 40
t1=$(date +%s%N)
[ $(( (t1 - t0) / 1000000 )) -lt 1000 ] || die "the front panel was asked after $(( (t1 - t0) / 1000000 )) ms"
echo ok
