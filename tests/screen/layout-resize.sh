#!/bin/sh
# Default layout outside any repository and without GitLab; resize 120x40 ->
# 80x24 (side panels fold into tabs) -> 120x40; zoom; focus; q quits.
. "$(dirname "$0")/../lib/screen.sh"

work=$(mktemp -d /tmp/dt-screen.XXXXXX)
screen_start 120 40 "cd $work && $(dt_cmd --no-color)"
screen_wait "1 Plan"
screen_expect layout-120x40-norepo
screen_resize 80 24
screen_wait "4 Merge requests  5 Issues  6 Pipelines"
screen_expect layout-80x24-norepo
screen_keys 6
screen_wait "Not signed in"
screen_resize 120 40
screen_wait "5 Issues"
screen_expect layout-120x40-after-resize
screen_keys 2 z
screen_wait "2 Review · zoomed (z)"
screen_expect zoom-review
screen_keys z
screen_wait "3 Chat"
screen_keys q
[ "$(screen_wait_exit 5)" = 0 ] || die "q: bad exit status"
rm -rf "$work"
echo ok
