#!/bin/sh
# Split sizes change from the keyboard and are remembered in
# $XDG_STATE_HOME/duoterm/ui.json (written atomically) for the next start;
# = puts the defaults back.
. "$(dirname "$0")/ui.sh"

ui_start 120 40 -- --no-color
ui_body > "$SCREEN_OUT/default.txt"
screen_keys 2 ] ]
screen_keys 1 } }
screen_wait "1 Plan"
sleep 0.7 # the save is debounced
ui_expect_body split-120x40
grep -q '"review": 56' "$XDG_STATE_HOME/duoterm/ui.json" ||
	die "ui.json: $(cat "$XDG_STATE_HOME/duoterm/ui.json" 2>&1)"
ls "$XDG_STATE_HOME/duoterm/" | grep -q tmp && die "a temporary file was left behind"
ui_quit
tm kill-server

ui_start 120 40 -- --no-color
ui_expect_body split-120x40
screen_keys =
screen_wait "split sizes back to the defaults"
ui_body | diff -u "$SCREEN_OUT/default.txt" - || die "= did not restore the defaults"
ui_quit
echo ok
