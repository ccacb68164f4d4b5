#!/bin/sh
# Review pane benchmark (figures, not a test), on the big case of issue #4:
# git.git v2.45.0 with the v2.46.0 tree over it when DT_BENCH_GIT_REPO names
# a local copy of git.git, else a synthetic repository of the same size
# (924 files, ~77,000 diff lines; made as bench/review.sh makes it).
# Prints:
#   - start to first frame: `duoterm --exit-after-ms 1` run whole (start,
#     file list, first file's hunks, first frame, exit), best of 3;
#   - keystroke to frame in the zoomed Review pane at 200x60 (duoterm's own
#     DUOTERM_BENCH_OUT timing): scrolling (j, PgDn, PgUp), then answering
#     n through hunks and files (each file's hunks are made while the one
#     before is on screen: the pane loads the next file when idle);
#   - peak RSS of the scrolling run; git diff and git status for scale.
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SRC=${DT_BENCH_GIT_REPO:-}
W=$(mktemp -d /tmp/dt-bench-rpane.XXXXXX)
sock=dt-bench-rpane-$$
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$W"' EXIT INT TERM
export HOME=$W GIT_CONFIG_NOSYSTEM=1
G="git -c user.name=b -c user.email=b@example.invalid"
command -v tmux >/dev/null || { echo "review-pane: tmux missing"; exit 77; }
[ -x "$BIN" ] || { echo "build first (make)"; exit 1; }

if [ -n "$SRC" ] && [ -d "$SRC" ] && git -C "$SRC" rev-parse -q --verify v2.46.0 >/dev/null 2>&1; then
	echo "case: git.git v2.45.0 with the v2.46.0 tree over it (from $SRC)"
	git clone -q --shared --no-checkout "$SRC" "$W/repo"
	(cd "$W/repo" && $G checkout -q v2.45.0 && $G checkout v2.46.0 -- . && $G reset -q)
	# the first files' diffs fit the screen: skip (N) to the 9th,
	# Documentation/SubmittingPatches (+197 -78), to have one to scroll
	SKIP=8
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
cd "$W/repo" || exit 1
echo "files: $(git diff --name-only | wc -l), diff lines: $(git diff | wc -l)"
git status -q >/dev/null 2>&1 # the index is refreshed once, as for every tool after it

run() { # run NAME COMMAND: in tmux at 200x60, in the repository
	tm new-session -d -s "$1" -x 200 -y 60 "cd $W/repo && env TERM=tmux-256color LANG=C.UTF-8 \
XDG_CONFIG_HOME=$W/cfg XDG_STATE_HOME=$W/state $2" || exit 1
}

best=
for k in 1 2 3; do
	rm -f "$W/first"
	run first$k "/usr/bin/time -f '%e %M' -o $W/first $BIN --no-color --exit-after-ms 1"
	for i in $(seq 1 200); do [ -s "$W/first" ] && break; sleep 0.05; done
	t=$(awk '{ printf "%d", $1 * 1000 }' "$W/first")
	[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t && rss1=$(awk '{ print $2 }' "$W/first")
done
echo "start to first frame (whole run, best of 3): $best ms, RSS $((rss1 / 1024)) MB (target < 150 ms, < 60 MB)"

keys() { # keys SESSION N PATTERN(j|n): sent 30 ms apart
	i=0
	while [ $i -lt "$2" ]; do
		if [ "$3" = n ]; then k=n
		else case $((i % 20)) in 5) k=NPage ;; 10) k=k ;; 15) k=PPage ;; *) k=j ;; esac
		fi
		tm send-keys -t "$1" "$k"; sleep 0.03; i=$((i + 1))
	done
}

report() { # report FILE WHAT [KEYS]: the first KEYS keys left out
	sed "1,$((${3:-0} + 1))d" "$1" | sort -n | awk -v what="$2" '
		{ t[NR] = $1; s += $1 }
		END { if (!NR) { print what ": no frames"; exit }
		      p99 = int(NR * 0.99) + 1; if (p99 > NR) p99 = NR
		      printf "%s: %d keys, mean %.0f us, p50 %.0f us, p99 %.0f us, max %.0f us (target < 2000 us)\n",
			     what, NR, s / NR, t[int(NR * 0.5) + 1], t[p99], t[NR] }'
}

for mode in j n; do
	rm -f "$W/times" "$W/rss"
	run keys$mode "/usr/bin/time -f '%M' -o $W/rss env DUOTERM_BENCH_OUT=$W/times $BIN --no-color"
	for i in $(seq 1 200); do tm capture-pane -t keys$mode -p | grep -q "Review" && break; sleep 0.05; done
	tm send-keys -t keys$mode 2 z
	sleep 0.5
	pre=0
	if [ $mode = j ]; then
		while [ $pre -lt "${SKIP:-0}" ]; do tm send-keys -t keys$mode N; sleep 0.1; pre=$((pre + 1)); done
	fi
	keys keys$mode 200 $mode
	sleep 0.3
	tm send-keys -t keys$mode q
	for i in $(seq 1 200); do [ -s "$W/rss" ] && break; sleep 0.05; done
	[ -s "$W/times" ] || { echo "review-pane: no timings written"; continue; }
	if [ $mode = j ]; then
		report "$W/times" "scrolling the diff (j, PgDn, PgUp)" $((pre + 2))
		echo "peak RSS while scrolling: $(( $(cat "$W/rss") / 1024 )) MB"
	else
		report "$W/times" "answering n through hunks and files (next file made while idle)"
	fi
done
t() { /usr/bin/time -f "%e s %M KB" "$@" 2>&1 >/dev/null | tail -n 1; }
echo "--- git diff (full patch): $(t git diff)"
echo "--- git status:            $(t git status --porcelain)"
