#!/bin/sh
# Bytes written to the terminal, at 80x24 and 200x60 (what an SSH link
# carries): per j in a list (inside the page, and when every j scrolls),
# per chat line appended whole and streamed in 8 pieces 20 ms apart, and for
# a 1 MB bracketed paste.  duoterm runs under script(1) in tmux; the
# typescript's growth is what it wrote.
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
sock=dt-bench-bytes-$$
out=$(mktemp -d /tmp/dt-bench.XXXXXX)
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$out"' EXIT
command -v tmux >/dev/null || { echo "ui-bytes: tmux missing"; exit 77; }
command -v script >/dev/null || { echo "ui-bytes: script(1) missing"; exit 77; }

size() { stat -c %s "$out/ts"; }
settle() { # until the typescript stops growing
	a=-1
	while [ "$a" != "$(size)" ]; do a=$(size); sleep 0.2; done
}
keys() { # keys COUNT DELAY KEY...
	c=$1 d=$2
	shift 2
	for _ in $(seq 1 "$c"); do tm send-keys -t b "$@"; sleep "$d"; done
}
per() { # per BEFORE COUNT: bytes per event since BEFORE
	settle
	echo $(( ($(size) - $1) / $2 ))
}

run() { # COLS ROWS
	cols=$1 rows=$2
	rm -f "$out/ts"
	tm new-session -d -s b -x "$cols" -y "$rows" "cd $out && env TERM=tmux-256color \
LANG=C.UTF-8 XDG_CONFIG_HOME=$out XDG_STATE_HOME=$out DUOTERM_BENCH=1 \
DUOTERM_BENCH_LIST=100000 script -q -f -c '$BIN --no-color' $out/ts" || exit 1
	for _ in $(seq 1 100); do
		tm capture-pane -t b -p | grep -q " 1/100000 " && break
		sleep 0.05
	done
	sleep 5.5 # the start-up hint expires: its redraw is not a j's
	settle
	s=$(size); keys 5 0.05 j; j_page=$(per "$s" 5)
	keys "$rows" 0.02 j # to the bottom of the page
	settle
	s=$(size); keys 40 0.05 j; j_scroll=$(per "$s" 40)
	tm send-keys -t b 3
	settle
	s=$(size); keys 100 0.03 F12; line=$(per "$s" 100)
	s=$(size); keys 30 0.25 F11; streamed=$(per "$s" 30)
	/usr/bin/python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(16000):
        f.write("pasted line %05d: the quick brown fox jumps over the dog\n" % i)
' "$out/big"
	tm load-buffer -b big "$out/big"
	settle
	s=$(size); tm paste-buffer -p -b big -t b; paste=$(per "$s" 1)
	printf '%sx%s: %s B per j in the page, %s B per j that scrolls, %s B per chat line, ' \
		"$cols" "$rows" "$j_page" "$j_scroll" "$line"
	printf '%s B per chat line streamed in 8 pieces, %s B for a 1 MB paste\n' "$streamed" "$paste"
	tm kill-server
}

echo "(a chat line is 58 characters; a list row about 35)"
run 80 24
run 200 60
