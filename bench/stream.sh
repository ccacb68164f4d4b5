#!/bin/sh
# Streaming cost: the demo workbench at 120x40 receives 5,000 tokens from the
# simulator as fast as it can send them ("/bench-stream" in Chat).  Prints
# the CPU seconds duoterm spent, the frames it drew (at most 60 a second is
# the rule) and their rate, the bytes it wrote to the terminal per token, and
# its peak RSS.  Figures, not a test.
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
W=$(mktemp -d /tmp/dt-bench-stream.XXXXXX)
sock=dt-stream-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; [ -n "$DT_KEEP" ] || rm -rf "$W"' EXIT
command -v tmux >/dev/null && command -v script >/dev/null || { echo "stream: needs tmux and script"; exit 0; }

# script(1) records every byte duoterm writes to the terminal
tm new-session -d -s s -x 120 -y 40 \
	"env TERM=tmux-256color LANG=C.UTF-8 XDG_STATE_HOME=$W/state script -qfc '$BIN --demo --log $W/log' $W/tty"
i=0
until grep -q "drew\|online" "$W/tty" 2>/dev/null && tm capture-pane -t s -p | grep -q "online"; do
	i=$((i + 1)); [ $i -gt 200 ] && { echo "stream: the demo did not start"; exit 1; }; sleep 0.05
done
# this session's duoterm: a descendant of the pane's process (script -> sh -> duoterm)
find_pid() {
	for p in $(tm display-message -p -t s '#{pane_pid}'); do
		for gen in 1 2 3; do
			for c in $p; do
				[ "$(cat /proc/$c/comm 2>/dev/null)" = duoterm ] && { echo "$c"; return; }
			done
			p=$(for c in $p; do pgrep -P "$c"; done)
		done
	done
}
pid=$(find_pid)
[ -n "$pid" ] || { echo "stream: cannot find duoterm"; exit 1; }
cpu() { cat /proc/$pid/task/*/schedstat | awk '{ns += $1} END {print ns}'; }
tm send-keys -t s 3; sleep 0.3
bytes0=$(wc -c < "$W/tty"); cpu0=$(cpu); t0=$(date +%s.%N)
tm send-keys -t s "/bench-stream" Enter
i=0
until tm capture-pane -t s -p | grep -q "5024 in\|/ 5000 out"; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "stream: no end of stream seen"; break; }; sleep 0.05
done
sleep 0.2
t1=$(date +%s.%N); cpu1=$(cpu); bytes1=$(wc -c < "$W/tty")
hwm=$(sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$pid/status)
tm send-keys -t s M-1; sleep 0.2; tm send-keys -t s q
i=0
while kill -0 "$pid" 2>/dev/null; do i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05; done
frames=$(sed -n 's/.*drew \([0-9]*\) frames.*/\1/p' "$W/log" | tail -n 1)
awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" -v b0="$bytes0" -v b1="$bytes1" \
	-v f="${frames:-?}" -v hwm="$hwm" 'BEGIN {
	secs = t1 - t0
	printf "5000 tokens streamed in %.2f s: cpu %.2f s, %.1f bytes to the terminal per token, peak RSS %s\n",
		secs, (c1 - c0) / 1e9, (b1 - b0) / 5000, hwm
	printf "frames drawn in the whole session: %s (%.0f/s while streaming at most)\n", f, (f == "?" ? 0 : f / secs)
}'
