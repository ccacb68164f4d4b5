#!/bin/sh
# review.max_file_size: a changed file bigger than the setting is marked
# [too big] in Review's list (a summary, never diffed, not asked about);
# under the default it is an ordinary file; a value that is not a size is
# said on the status line and the default used.
. "$(dirname "$0")/review-lib.sh"

rv_repo
(cd "$work" && seq 1 400 > big.txt && $G add big.txt && $G commit -qm big &&
 seq 1 401 > big.txt) || die "cannot make big.txt"

ui_config '{"review": {"max_file_size": "1K"}}'
rv_open
screen_wait "big.txt [too big]"
ui_quit
tm kill-server

ui_config '{}'
rv_open
screen_wait "+1     -0 big.txt"
screen_capture | grep -q "big.txt \[too big\]" && die "too big under the default 8M"
ui_quit
tm kill-server

ui_config '{"review": {"max_file_size": "8Q"}}'
rv_open
screen_wait 'review.max_file_size: "8Q" is not a size'
screen_wait "+1     -0 big.txt"
ui_quit
echo ok
