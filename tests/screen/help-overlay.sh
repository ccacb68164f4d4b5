#!/bin/sh
# ? opens the help generated from the action table; it scrolls, closes with
# Esc (or ? or q) and leaves the panes exactly as they were.
. "$(dirname "$0")/ui.sh"

ui_start 120 40 -- --no-color
ui_body > "$SCREEN_OUT/before.txt"
screen_keys '?'
screen_wait " Keys "
screen_expect help-120x40
screen_keys G
screen_wait "Answer no (dialog-no)"
screen_keys g
screen_wait "Quit (asks first"
screen_keys Escape
screen_wait_gone " Keys "
ui_body | diff -u "$SCREEN_OUT/before.txt" - || die "the panes did not come back after the help"
screen_keys F1
screen_wait " Keys "
screen_keys q # closes the help, does not quit
screen_wait_gone " Keys "
screen_pane_dead && die "q in the help quit duoterm"
ui_quit
echo ok
