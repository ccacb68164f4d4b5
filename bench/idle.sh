#!/bin/sh
# Idle cost of the workbench: start `duoterm --demo` in tmux at 120x40, let
# it load, then measure over SECONDS (default 10) the CPU time of all its
# threads (from /proc/PID/task/*/schedstat, nanoseconds) and how often its
# threads woke up (voluntary + involuntary context switches).
#   bench/idle.sh [--assert] [SECONDS]
# With --assert it exits 1 unless CPU < 10 ms and wake-ups <= 2 per thread
# (the target: < 0.01 s in 10 s, no periodic wake-ups).  The simulator's
# ActionCable pings (every 3 s, as Rails sends them) are heartbeats the
# server needs; --assert plays a static scenario with pings every 8 s (below
# the client's 10 s ping timeout) and allows two wake-ups (net thread, main
# thread) per heartbeat, so that any other wake-up shows.
assert=0
[ "$1" = --assert ] && { assert=1; shift; }
secs=${1:-10}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
sock=dt-idle-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1' EXIT

command -v tmux >/dev/null || { echo "idle: tmux missing"; exit 77; }
scen=
[ $assert = 1 ] && scen="DUOTERM_DEMO_SCENARIO=$SRCDIR/tests/sim/scenarios/idle.json"
tm new-session -d -s i -x 120 -y 40 "env TERM=tmux-256color LANG=C.UTF-8 $scen $BIN --demo" || exit 1
shell_pid=$(tm display-message -p -t i '#{pane_pid}')
pid=
for i in $(seq 1 100); do
	pid=$(pgrep -P "$shell_pid" -x duoterm 2>/dev/null | head -n 1)
	[ -z "$pid" ] && [ "$(cat /proc/$shell_pid/comm 2>/dev/null)" = duoterm ] && pid=$shell_pid
	[ -n "$pid" ] && tm capture-pane -t i -p | grep -q DEMO && break
	sleep 0.1
done
[ -n "$pid" ] || { echo "idle: duoterm did not start"; tm capture-pane -t i -p; exit 1; }
sleep 3 # let the panels load

sample() { # prints: cpu_ns switches threads
	cpu=0 sw=0 n=0
	for t in /proc/$pid/task/*; do
		set -- $(cat "$t/schedstat" 2>/dev/null)
		cpu=$((cpu + ${1:-0}))
		v=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null)
		nv=$(sed -n 's/^nonvoluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null)
		sw=$((sw + ${v:-0} + ${nv:-0}))
		n=$((n + 1))
	done
	echo "$cpu $sw $n"
}
set -- $(sample); cpu0=$1 sw0=$2
sleep "$secs"
set -- $(sample); cpu1=$1 sw1=$2 threads=$3
cpu_us=$(( (cpu1 - cpu0) / 1000 ))
wakes=$((sw1 - sw0))
rss=$(sed -n 's/^VmRSS:[[:space:]]*//p' /proc/$pid/status)
printf 'idle %ss at 120x40 (demo): cpu %d.%03d ms, wake-ups %d across %d threads, RSS %s\n' \
	"$secs" $((cpu_us / 1000)) $((cpu_us % 1000)) "$wakes" "$threads" "$rss"
tm send-keys -t i q
if [ $assert = 1 ]; then
	[ $cpu_us -lt 10000 ] || { echo "FAIL: idle CPU ${cpu_us}us >= 10ms"; exit 1; }
	beats=$(( (secs + 7) / 8 ))
	[ $wakes -le $((threads * 2 + beats * 2)) ] || { echo "FAIL: $wakes wake-ups while idle"; exit 1; }
fi
exit 0
