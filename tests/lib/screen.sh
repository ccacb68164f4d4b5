# Screen-test helpers: the real binary in a real terminal (tmux), keys in,
# the screen as text out, compared with tests/screen/expected/NAME.txt.
# Source this from a test; DUOTERM_BIN and DT_SRCDIR come from tests/run.
#   DT_UPDATE_GOLDEN=1 rewrites the expected files instead of comparing.

DT_SRCDIR=${DT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
DUOTERM_BIN=${DUOTERM_BIN:-$DT_SRCDIR/duoterm}
TMUX_SOCK="dt-test-$$"
SCREEN_OUT=${DT_OUT:-/tmp}/screen-$$
mkdir -p "$SCREEN_OUT"

skip() { echo "skip: $*"; exit 77; }
die() { echo "FAIL: $*"; screen_dump_on_fail; exit 1; }

command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

# options in force before the first session starts: the pane stays after
# the program exits, so its exit status and last screen can be read
cat > "$SCREEN_OUT/tmux.conf" <<'CONF'
set -g remain-on-exit on
set -g default-terminal tmux-256color
set -g status off
CONF
tm() { tmux -L "$TMUX_SOCK" -f "$SCREEN_OUT/tmux.conf" "$@"; }

# screen_start COLS ROWS COMMAND...   (runs in a shell: quote as for sh -c)
screen_start() {
	cols=$1 rows=$2
	shift 2
	# a server killed a moment ago may still hold the socket: retry briefly
	rm -f "$SCREEN_OUT/exit.status"
	# a shell stays as the parent and records how the program ended
	wrapped="$*; echo \$? > '$SCREEN_OUT/exit.status'"
	n=0
	until tm new-session -d -s t -x "$cols" -y "$rows" "$wrapped" 2>/dev/null; do
		n=$((n + 1)); [ $n -gt 40 ] && die "tmux did not start"; sleep 0.05
	done
}

screen_stop() {
	tm kill-server >/dev/null 2>&1
	rm -rf "$SCREEN_OUT"
}
trap screen_stop EXIT

screen_capture() {
	tm capture-pane -t t -p "$@" | sed -e 's/[[:space:]]*$//' \
		-e 's/127\.0\.0\.1:[0-9][0-9]*/127.0.0.1:PORT/g' \
		-e 's|/tmp/duoterm-demo\.[A-Za-z0-9]*|/tmp/duoterm-demo.X|g'
}

screen_dump_on_fail() {
	if tm has-session -t t 2>/dev/null; then
		echo "---- screen ----"
		screen_capture
		echo "----------------"
	fi
}

# screen_wait TEXT [SECONDS]: until TEXT is on the screen
screen_wait() {
	i=0 limit=$(( ${2:-10} * 20 ))
	while [ $i -lt $limit ]; do
		screen_capture | grep -qF -- "$1" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	die "timed out waiting for '$1'"
}

# screen_wait_gone TEXT [SECONDS]
screen_wait_gone() {
	i=0 limit=$(( ${2:-10} * 20 ))
	while [ $i -lt $limit ]; do
		screen_capture | grep -qF -- "$1" || return 0
		sleep 0.05
		i=$((i + 1))
	done
	die "timed out waiting for '$1' to go"
}

screen_keys() {
	tm send-keys -t t "$@"
	sleep 0.15
}

# screen_resize COLS ROWS
screen_resize() {
	tm resize-window -t t -x "$1" -y "$2"
	sleep 0.3
}

# screen_expect NAME: compare the screen with tests/screen/expected/NAME.txt
screen_expect() {
	exp=$DT_SRCDIR/tests/screen/expected/$1.txt
	screen_capture > "$SCREEN_OUT/$1.txt"
	if [ "$DT_UPDATE_GOLDEN" = 1 ]; then
		cp "$SCREEN_OUT/$1.txt" "$exp"
		echo "updated $exp"
		return 0
	fi
	[ -f "$exp" ] || die "no expected screen $exp (run with DT_UPDATE_GOLDEN=1 to create it)"
	if ! diff -u "$exp" "$SCREEN_OUT/$1.txt"; then
		die "screen $1 differs from $exp"
	fi
}

screen_pane_dead() {
	[ "$(tm display-message -p -t t '#{pane_dead}' 2>/dev/null)" = 1 ]
}

# screen_wait_exit [SECONDS]: until the program ends; prints its exit
# status (128+N for signal N).
screen_wait_exit() {
	i=0 limit=$(( ${1:-10} * 20 ))
	while [ ! -s "$SCREEN_OUT/exit.status" ]; do
		i=$((i + 1)); [ $i -gt $limit ] && { echo "no exit"; return 1; }
		sleep 0.05
	done
	cat "$SCREEN_OUT/exit.status"
}

screen_pane_pid() {
	tm display-message -p -t t '#{pane_pid}'
}

# a shell command line that runs duoterm with a clean environment
dt_cmd() {
	printf 'env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 %s' "$DUOTERM_BIN"
	for a; do printf " '%s'" "$a"; done
}
