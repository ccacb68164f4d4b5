#!/bin/sh
# The mono theme file (ui.theme in config.json) shows no colour at all, only
# attributes, and looks exactly like NO_COLOR; a bad theme file is reported
# with its file and line and the dark theme is used.
. "$(dirname "$0")/ui.sh"

ui_config '{"ui": {"theme": "mono"}}'
ui_start 120 40
ui_capture_attrs > "$SCREEN_OUT/mono.txt"
screen_expect mono-120x40
if grep -E '\{([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])[;}]' "$SCREEN_OUT/mono.txt" >/dev/null; then
	die "colour in the mono theme: $(grep -oE '\{[0-9;]*\}' "$SCREEN_OUT/mono.txt" | sort -u | tr '\n' ' ')"
fi
grep -F '{1;7} 1 Plan' "$SCREEN_OUT/mono.txt" >/dev/null || die "focused title not in bold reverse"
ui_quit
tm kill-server

ui_config '{}'
ui_start 120 40 NO_COLOR=1
ui_capture_attrs | diff -u "$SCREEN_OUT/mono.txt" - || die "NO_COLOR differs from the mono theme"
ui_quit
tm kill-server

# the same theme picked from a dialog (: choose-theme), over the dark one
ui_start 120 40
ui_capture_attrs | grep -qE '\{[0-9;]*38;5;' || die "the dark theme has no 256-colour codes"
screen_keys :
screen_keys -l choose-theme
screen_keys Enter
screen_wait " Theme "
screen_capture | grep -F "│ cb-safe" >/dev/null || die "the pick dialog does not list cb-safe"
screen_keys j j Enter
screen_wait "theme mono (set ui.theme in config.json to keep it)"
ui_capture_attrs | sed '$d' > "$SCREEN_OUT/picked.txt"
sed '$d' "$SCREEN_OUT/mono.txt" | diff -u - "$SCREEN_OUT/picked.txt" || die "picking mono differs"
ui_quit
tm kill-server

printf 'normal default default -\n# two\ntitel 1 2\n' > "$work/bad.theme"
ui_config "{\"ui\": {\"theme\": \"$work/bad.theme\"}}"
ui_start 120 40
screen_wait "bad.theme:3: unknown element: \"titel\" (the dark theme is used)"
screen_capture | grep -F "! $work/bad.theme:3" >/dev/null || die "the theme error is not in Chat"
ui_quit
echo ok
