#!/bin/sh
# Keys rebound in config.json: the new keys work, the old ones do not, and
# a mistake is reported by file and line without stopping the start.
. "$(dirname "$0")/ui.sh"

ui_config '{
  "keys": {
    "quit": "Q",
    "zoom": ["Z"],
    "focus-next": "Tab C-n",
    "quitt": "x",
    "help": "Hyper-h"
  }
}'
ui_start 120 40 -- --no-color
screen_wait "config.json:6: unknown action \"quitt\" in \"keys\""
screen_capture | grep -F 'config.json:7: "help":' >/dev/null || die "the second mistake is not in Chat"
screen_keys z
screen_wait_gone "zoomed"
screen_keys Z
screen_wait "1 Plan · zoomed (Z)"
screen_keys Z C-n
screen_wait "2 Review"
screen_keys '?'
screen_wait "Q                       Quit"
screen_keys Escape
screen_keys q
sleep 0.3
screen_pane_dead && die "q still quits"
screen_keys Q
[ "$(screen_wait_exit 5)" = 0 ] || die "Q: bad exit status"
echo ok
