#!/bin/sh
# Colour depth follows the terminfo entry: a theme colour given as #rrggbb
# reaches a direct-colour terminal (TERM=xterm-direct, terminfo flag RGB) as
# a 24-bit SGR (38;2;R;G;B), a 256-colour one as the nearest of the 6x6x6
# cube and grey ramp (38;5;N), an 8-colour one as the nearest ANSI colour.
# Captured by tmux with -e, which keeps what the program sent.
# Skips (77) without the xterm-direct entry (Debian: ncurses-term).
. "$(dirname "$0")/ui.sh"

infocmp xterm-direct >/dev/null 2>&1 || skip "no xterm-direct terminfo (apt-get install ncurses-term)"
infocmp xterm-256color >/dev/null 2>&1 || skip "no xterm-256color terminfo"

# the focused title: dodger blue on a grey that is no palette entry;
# 252 (an index) in the titles that are not focused
sed 's/^title_focus .*/title_focus  #1e90ff  #2d2d2d  bold/' "$DT_SRCDIR/themes/dark.theme" \
	> "$work/rgb.theme"
ui_config "{\"ui\": {\"theme\": \"$work/rgb.theme\"}}"

# title TERM: the "1 Plan" title line with its SGR codes as {..} tags
title() {
	screen_start 120 40 "cd $work && env XDG_CONFIG_HOME=$XDG_CONFIG_HOME \
XDG_STATE_HOME=$XDG_STATE_HOME TERM=$1 LANG=C.UTF-8 LC_ALL=C.UTF-8 $DUOTERM_BIN"
	screen_wait "1 Plan"
	ui_capture_attrs | grep -F ' 1 Plan' | head -n 1 > "$SCREEN_OUT/$1.txt"
	ui_quit
	tm kill-server
	cat "$SCREEN_OUT/$1.txt"
}
has() { # TERM TEXT WHAT
	case "$2" in *"$3"*) ;; *) die "$1: no $3 in: $2" ;; esac
}

t=$(title xterm-direct)
has xterm-direct "$t" '38;2;30;144;255}'  # #1e90ff as it is
has xterm-direct "$t" '48;2;45;45;45}'    # #2d2d2d
has xterm-direct "$t" '38;2;208;208;208}' # index 252 as the xterm palette has it
case "$t" in *'38;5;'*) die "xterm-direct: a 256-colour code in: $t" ;; esac

t=$(title xterm-256color)
has xterm-256color "$t" '38;5;33}'  # #0087ff, the nearest to #1e90ff
has xterm-256color "$t" '48;5;236}' # #303030, the nearest to #2d2d2d
has xterm-256color "$t" '38;5;252}'
case "$t" in *'38;2;'* | *'48;2;'*) die "xterm-256color: a 24-bit code in: $t" ;; esac

t=$(title xterm)
has xterm "$t" '{36}{40} 1 Plan' # cyan on black
case "$t" in *'38;'* | *'48;'*) die "xterm (8 colours): an extended colour in: $t" ;; esac
echo ok
