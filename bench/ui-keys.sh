#!/bin/sh
# Keystroke to frame: the workbench at 200x60 in tmux with a 100,000-line
# list in the focused pane (DUOTERM_BENCH_LIST), N keys (j mostly, some k,
# PgDn, PgUp, G, g) sent 30 ms apart so each gets its own frame.  duoterm
# itself times each key from the read() that brought it to the end of the
# doupdate() that showed it (DUOTERM_BENCH_OUT), so tmux's and the shell's
# delays are not counted.  Target: < 2 ms.
#   bench/ui-keys.sh [KEYS]
n=${1:-300}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
sock=dt-bench-keys-$$
out=$(mktemp -d /tmp/dt-bench.XXXXXX)
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$out"' EXIT
command -v tmux >/dev/null || { echo "ui-keys: tmux missing"; exit 77; }

tm new-session -d -s b -x 200 -y 60 "cd $out && env TERM=tmux-256color LANG=C.UTF-8 \
XDG_CONFIG_HOME=$out XDG_STATE_HOME=$out DUOTERM_BENCH_LIST=100000 \
DUOTERM_BENCH_OUT=$out/times $BIN --no-color" || exit 1
for i in $(seq 1 100); do
	tm capture-pane -t b -p | grep -q " 1/100000 " && break
	sleep 0.05
done
i=0
while [ $i -lt "$n" ]; do
	case $((i % 50)) in
	10) k=NPage ;; 20) k=k ;; 30) k=PPage ;; 40) k=G ;; 41) k=g ;; *) k=j ;;
	esac
	tm send-keys -t b "$k"
	sleep 0.03
	i=$((i + 1))
done
sleep 0.3
tm send-keys -t b q
for i in $(seq 1 100); do [ -s "$out/times" ] && break; sleep 0.05; done
[ -s "$out/times" ] || { echo "ui-keys: no timings written"; exit 1; }
sed 1d "$out/times" | sort -n | awk -v want="$n" '
	{ t[NR] = $1; s += $1 }
	END {
		if (NR == 0) { print "ui-keys: no frames"; exit 1 }
		p99 = int(NR * 0.99) + 1
		if (p99 > NR) p99 = NR
		printf "keystroke to frame at 200x60, 100,000-line list: %d keys (%d sent), " \
		       "mean %.0f us, p50 %.0f us, p99 %.0f us, max %.0f us (target < 2000 us)\n",
		       NR, want, s / NR, t[int(NR * 0.5) + 1], t[p99], t[NR]
	}'
