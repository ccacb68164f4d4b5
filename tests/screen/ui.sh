# Helpers for the workbench screen tests (sourced, not run): a private
# config and state home per test, captures with attributes, and golden
# comparisons of everything above the status line (whose start-up hint
# expires on a timer).
. "$(dirname "$0")/../lib/screen.sh"

work=$(mktemp -d /tmp/dt-screen.XXXXXX)
export XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state"
mkdir -p "$XDG_CONFIG_HOME/duoterm" "$XDG_STATE_HOME"
ui_cleanup() { screen_stop; rm -rf "$work"; }
trap ui_cleanup EXIT

# ui_start COLS ROWS [ENV=VALUE ...] -- [duoterm args]: start in $work
ui_start() {
	c=$1 r=$2
	shift 2
	envs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs="$envs $1"; shift; done
	[ "$1" = -- ] && shift
	screen_start "$c" "$r" "cd $work && env XDG_CONFIG_HOME=$XDG_CONFIG_HOME XDG_STATE_HOME=$XDG_STATE_HOME$envs $(dt_cmd "$@")"
	screen_wait "1 Plan"
}

ui_config() { # the config file's text
	printf '%s\n' "$1" > "$XDG_CONFIG_HOME/duoterm/config.json"
}

# the screen without its last line (the status bar)
ui_body() { screen_capture | sed '$d'; }

# ui_expect_body NAME: like screen_expect, status line left out
ui_expect_body() {
	exp=$DT_SRCDIR/tests/screen/expected/$1.txt
	ui_body > "$SCREEN_OUT/$1.txt"
	if [ "$DT_UPDATE_GOLDEN" = 1 ]; then
		cp "$SCREEN_OUT/$1.txt" "$exp"
		echo "updated $exp"
		return 0
	fi
	[ -f "$exp" ] || die "no expected screen $exp (run with DT_UPDATE_GOLDEN=1 to create it)"
	diff -u "$exp" "$SCREEN_OUT/$1.txt" || die "screen $1 differs from $exp"
}

# the screen with attributes as {SGR} tags, e.g. {7} for reverse video
ui_capture_attrs() {
	tm capture-pane -t t -e -p | sed -e 's/\x1b\[\([0-9;:]*\)m/{\1}/g' -e 's/[[:space:]]*$//'
}

ui_quit() { # q (from Plan: in Chat q types), then the exit status must be 0
	screen_keys M-1 q
	[ "$(screen_wait_exit 5)" = 0 ] || die "q: bad exit status"
}
