#!/bin/sh
# While the agent works, q asks first (a confirm dialog: n keeps going, y
# quits); Chat's hint says how to stop it.  (F10 plays a busy agent when
# DUOTERM_BENCH is set.)
. "$(dirname "$0")/ui.sh"

ui_start 100 30 DUOTERM_BENCH=1 -- --no-color
screen_keys F10 3
screen_wait "agent working · Esc stops it"
screen_keys M-1 q
screen_wait " Quit? "
ui_expect_body quit-confirm-100x30
screen_keys n
screen_wait_gone " Quit? "
screen_pane_dead && die "n quit"
screen_keys q
screen_wait " Quit? "
screen_keys Escape
screen_wait_gone " Quit? "
screen_keys q
screen_wait " Quit? "
screen_keys y
[ "$(screen_wait_exit 5)" = 0 ] || die "y: bad exit status"
echo ok
