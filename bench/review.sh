#!/bin/sh
# Review model benchmark (figures, not a test).  The big case of issue #4:
# git's own repository at v2.45.0 with the v2.46.0 tree checked out over it
# (924 files, ~77,000 diff lines).  It uses a local copy of git.git when one
# is named (DT_BENCH_GIT_REPO: a clone or bare repository of git.git), else it
# generates a synthetic repository of the same size and says so.
# Prints: file list + first file, per-file load, RSS, and the ratio against
# `git diff` and `tig status` (if tig is installed).
set -e
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${DT_BUILD:-$SRCDIR/build}
SRC=${DT_BENCH_GIT_REPO:-}
W=$(mktemp -d /tmp/dt-bench-review.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
export HOME=$W GIT_CONFIG_NOSYSTEM=1
G="git -c user.name=b -c user.email=b@example.invalid"

[ -f "$BUILD/libduoterm.a" ] || { echo "build first (make)"; exit 1; }
DEPS=$(sed -n 's/^DEP_LIBS *= *//p' "$SRCDIR/config.mk")
cc -std=c11 -D_GNU_SOURCE -O2 -I"$SRCDIR/include" -o "$W/dt-review-bench" \
	"$SRCDIR/tests/tools/dt-review-bench.c" "$BUILD/libduoterm.a" $DEPS -lm -pthread

if [ -n "$SRC" ] && [ -d "$SRC" ] && git -C "$SRC" rev-parse -q --verify v2.46.0 >/dev/null 2>&1; then
	echo "case: git.git v2.45.0 with the v2.46.0 tree over it (from $SRC)"
	git clone -q --shared --no-checkout "$SRC" "$W/repo"
	(cd "$W/repo" && $G checkout -q v2.45.0 && $G checkout v2.46.0 -- . && $G reset -q)
else
	echo "case: SYNTHETIC repository (git.git could not be obtained): 924 files, ~77,000 diff lines"
	mkdir "$W/repo" && cd "$W/repo" && $G init -q
	awk 'BEGIN { for (f = 0; f < 924; f++) { d = "d" (f % 40); system("mkdir -p " d);
		fn = d "/f" f ".c"; for (i = 0; i < 400; i++) print "line " i " of file " f " { x = " i*f "; }" > fn;
		close(fn) } }'
	$G add -A && $G commit -qm base
	awk 'BEGIN { for (f = 0; f < 924; f++) { fn = "d" (f % 40) "/f" f ".c";
		for (i = 0; i < 400; i++) print ((i % 10 == 0) ? "changed " i " in " f : "line " i " of file " f " { x = " i*f "; }") > fn;
		close(fn) } }'
	cd - >/dev/null
fi
cd "$W/repo"
echo "--- duoterm review model, every file loaded and kept"
"$W/dt-review-bench" . | tee "$W/all"
echo "--- duoterm review model, a window of 17 files kept loaded (the Review pane's policy)"
"$W/dt-review-bench" . 17 | tee "$W/win" | grep -E "every file|peak RSS"
t() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }
gd=$(t git diff)
echo "--- git diff (full patch):  ${gd% *} s ${gd#* } KB"
gs=$(t git diff --stat)
echo "--- git diff --stat:        ${gs% *} s ${gs#* } KB"
tg=
if command -v tig >/dev/null 2>&1; then
	# tig loads the status view, draws it, then reads the queued "q"
	tg=$(printf q | TERM=xterm COLUMNS=120 LINES=40 /usr/bin/time -f "%e %M" \
		script -qec "tig status" /dev/null 2>&1 >/dev/null | tail -n 1)
	echo "--- tig status (load, draw, quit): ${tg% *} s ${tg#* } KB"
else
	echo "--- tig: not installed (apt-get install tig)"
fi
# ratios: duoterm's file list + first file and its RSS with the pane's
# window, against the whole of git diff and tig status
first=$(awk '/file list\+first file/ { print $4 }' "$W/all")
every=$(awk '/every file loaded/ { print $4 }' "$W/win")
rss=$(awk '/peak RSS/ { for (i = 1; i <= NF; i++) if ($i == "MB") { print $(i - 1); exit } }' "$W/win")
ratio() { # ratio NAME "SECONDS KB"
	[ -n "$2" ] && echo "$2" | awk -v n="$1" -v f="$first" -v e="$every" -v r="$rss" \
		'{ printf "ratio vs %s: first screen %.2fx its time, every file %.2fx, peak RSS %.2fx\n", n, f / ($1 * 1000), e / ($1 * 1000), r * 1024 / $2 }'
}
ratio "git diff" "$gd"
ratio "tig status" "$tg"
