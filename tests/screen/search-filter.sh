#!/bin/sh
# / searches a list (smart case, n/N, wraps), f filters it live, Esc in the
# prompt puts things back; : runs an action by name with Tab completion.
. "$(dirname "$0")/ui.sh"

ui_start 120 40 DUOTERM_BENCH_LIST=500 -- --no-color
screen_wait " 1/500 "
screen_keys / 
screen_keys -l 'parser cache'
screen_wait " 130/500 "
screen_keys Enter n
screen_wait " 274/500 "
screen_keys N N
screen_wait " 418/500 " # wrapped back to the last match
screen_keys / 
screen_keys -l 'Parser'
screen_wait "no match"
screen_keys Escape
screen_wait " 418/500 "
screen_keys f
screen_keys -l 'flaky docs'
screen_wait " 1/15 of 500 "
screen_keys Enter j j
screen_wait " 3/15 of 500 "
ui_expect_body filter-120x40
screen_keys f C-u Enter
screen_wait " 294/500 " # the filter gone, the same line still selected
screen_keys : 
screen_keys -l 'zo'
screen_wait "Zoom the focused pane"
screen_keys Tab Enter
screen_wait "1 Plan · zoomed (z)"
screen_keys : 
screen_keys -l 'nonsense'
screen_keys Enter
screen_wait 'no action "nonsense"'
ui_quit
echo ok
