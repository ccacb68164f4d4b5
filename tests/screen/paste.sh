#!/bin/sh
# Bracketed paste into Chat: a few lines land as text; a megabyte lands at
# once as one chip (no redraw per character), is sent whole, and Shift-Enter
# (CSI 13;2u and xterm's CSI 27;2;13~) and Alt-Enter start new lines.
. "$(dirname "$0")/ui.sh"

ui_start 120 40 -- --no-color
screen_keys 3
printf 'one\ntwo' > "$work/small"
tm load-buffer -b small "$work/small"
tm paste-buffer -p -b small -t t
screen_wait "> one"
screen_wait "  two"
screen_keys C-u C-h C-u
screen_keys -l a
screen_keys M-Enter
screen_keys -l b
tm send-keys -t t -H 1b 5b 31 33 3b 32 75
screen_keys -l c
tm send-keys -t t -H 1b 5b 32 37 3b 32 3b 31 33 7e
screen_keys -l d
screen_wait "  d"
screen_capture | grep -F "  b" >/dev/null || die "Alt-Enter / Shift-Enter did not start new lines"
screen_keys Enter
screen_wait "Give the agent a goal"

/usr/bin/python3 -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        f.write("pasted line %05d: the quick brown fox jumps over the lazy dog\n" % i)
' "$work/big"
tm load-buffer -b big "$work/big"
start=$(date +%s%N)
tm paste-buffer -p -b big -t t
screen_wait "[paste #1: 20,000 lines, 1.2 MB]" 10
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "1.2 MB paste shown in ${ms} ms"
[ $ms -lt 3000 ] || die "the paste took ${ms} ms"
screen_keys -l ' ok'
screen_keys Enter
screen_wait "pasted line 19999: the quick"
screen_wait "ok"
screen_keys Up
screen_wait "[paste #1: 20,001 lines, 1.2 MB]" # history gives it back whole, " ok" too
ui_quit
echo ok
