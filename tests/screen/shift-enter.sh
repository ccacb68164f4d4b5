#!/bin/sh
# Shift-Enter inserts a new line in Chat inside tmux, with what
# doc/keys.md tells users to put in tmux.conf:
#   set -s extended-keys on
#   set -as terminal-features 'xterm*:extkeys'
# The test's own tmux server plays the user's terminal (TERM=xterm-256color,
# modifyOtherKeys when asked); in it runs the user's tmux (a second private
# server with that tmux.conf), and in that duoterm, which asks for
# modifyOtherKeys (CSI > 4 ; 1 m) and reads CSI 13;2u / CSI 27;2;13~.
# Without extended-keys the key is lost on the way and no new line appears.
. "$(dirname "$0")/ui.sh"

command -v tmux >/dev/null 2>&1 || skip "no tmux"
# extended-keys came in tmux 3.2, terminal-features' extkeys with it
v=$(tmux -V | sed 's/^[^0-9]*\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
set -- $v
[ "${1:-0}" -gt 3 ] || { [ "${1:-0}" -eq 3 ] && [ "${2:-0}" -ge 2 ]; } || skip "tmux $* is older than 3.2"
inner="dt-test-inner-$$"
ti() { tmux -L "$inner" -f "$work/inner.conf" "$@"; }
cleanup() { ti kill-server >/dev/null 2>&1; ui_cleanup; }
trap cleanup EXIT

# try EXTENDED-KEYS: the last lines of Chat after "a" S-Enter "b"
try() {
	cat > "$work/inner.conf" <<CONF
set -s extended-keys $1
set -as terminal-features 'xterm*:extkeys'
set -g default-terminal tmux-256color
set -g status off
CONF
	screen_start 100 30 "env TERM=xterm-256color tmux -L $inner -f $work/inner.conf \
new-session \"cd $work && env XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME \
LANG=C.UTF-8 LC_ALL=C.UTF-8 $DUOTERM_BIN\""
	screen_wait "1 Plan"
	screen_keys 3
	screen_keys a
	screen_keys S-Enter
	screen_keys b
	sleep 0.3
	screen_capture > "$SCREEN_OUT/$1.txt"
	screen_keys M-1 q
	ti kill-server >/dev/null 2>&1
	tm kill-server
	[ -n "$DT_VERBOSE" ] && tail -n 4 "$SCREEN_OUT/$1.txt"
}

try on
grep -qx ' > a *│\?' "$SCREEN_OUT/on.txt" && grep -qx '   b *│\?' "$SCREEN_OUT/on.txt" \
	|| { cat "$SCREEN_OUT/on.txt"; die "extended-keys on: S-Enter did not insert a new line"; }

try off
grep -qx '   b *│\?' "$SCREEN_OUT/off.txt" \
	&& { cat "$SCREEN_OUT/off.txt"; die "extended-keys off: a new line anyway (is the test seeing S-Enter at all?)"; }
grep -q ' > a' "$SCREEN_OUT/off.txt" || { cat "$SCREEN_OUT/off.txt"; die "extended-keys off: no input line"; }
echo ok
