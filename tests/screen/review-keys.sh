#!/bin/sh
# Review keys come from the action table (context Review): they can be
# rebound in config.json, and they are listed by ? under "Review".  Scrolling
# the diff draws only the lines that come in (the window is scrolled): the
# screen must then be exactly what a full redraw (C-l) draws.
. "$(dirname "$0")/review-lib.sh"

rv_repo
# a long file, first in git's order, with a hunk every few lines
(cd "$work" && seq 1 400 | sed 's/^/long line /' > 0long.txt && $G add 0long.txt &&
 $G commit -qm long && sed -i '0~9s/$/ changed/' 0long.txt) || die "cannot make 0long.txt"
ui_config '{"keys": {"review-accept": "a"}}'

rv_open
screen_wait "hunk 1/"
# the hint line names the keys as bound
screen_capture | grep -F "a stage · n skip · s split" >/dev/null || die "the hint does not show a"

# scroll with every kind of move, then compare with a full redraw
# the screen without its status line, each run of text after its attributes
# (tmux places the SGR changes of the same screen differently depending on
# how it was drawn, so they are replayed into one canonical form)
body_attrs() {
	ui_capture_attrs | sed '$d' | awk '
	function apply(codes,   n, c, i) {
		n = split(codes, c, ";")
		for (i = 1; i <= n; i++) {
			if (c[i] == "" || c[i] == "0") { split("", on); continue }
			if (c[i] == "39" || c[i] == "49") continue
			if (c[i] == "22") { delete on["1"]; delete on["2"]; continue }
			if (c[i] ~ /^2[3-9]$/) { delete on[substr(c[i], 2)]; continue }
			on[c[i]] = 1
		}
	}
	function state(   k, s) { s = ""; for (k = 1; k < 10; k++) if (k in on) s = s k; return s }
	{
		line = $0; out = ""
		while (match(line, /\{[0-9;:]*\}/)) {
			seg = substr(line, 1, RSTART - 1)
			if (seg != "") { st = state(); if (st != last) out = out "<" st ">"; last = st; out = out seg }
			apply(substr(line, RSTART + 1, RLENGTH - 2))
			line = substr(line, RSTART + RLENGTH)
		}
		if (line != "") { st = state(); if (st != last) out = out "<" st ">"; last = st; out = out line }
		print out
	}'
}
screen_keys j j j j j NPage k k j NPage NPage PPage j k k
sleep 0.5
body_attrs > "$SCREEN_OUT/scrolled.txt"
screen_keys C-l
sleep 0.5
body_attrs > "$SCREEN_OUT/redrawn.txt"
diff -u "$SCREEN_OUT/redrawn.txt" "$SCREEN_OUT/scrolled.txt" ||
	die "scrolling drew something a full redraw does not"
screen_keys g
sleep 0.3
body_attrs > "$SCREEN_OUT/scrolled.txt"
screen_keys C-l
sleep 0.5
body_attrs > "$SCREEN_OUT/redrawn.txt"
diff -u "$SCREEN_OUT/redrawn.txt" "$SCREEN_OUT/scrolled.txt" || die "g after scrolling differs"

# review-accept is on a now: y no longer answers, a does
screen_keys y
sleep 0.3
screen_capture | grep -F "hunk 1/" >/dev/null || die "y still answered after rebinding"
screen_keys a
screen_wait "hunk 2/"
screen_keys Y # review-accept-file keeps its default key
screen_wait "a.txt"
[ -n "$(cd "$work" && $G diff --cached --name-only -- 0long.txt)" ] || die "Y did not stage 0long.txt"

# the help lists the Review section with the new key
screen_keys '?'
screen_wait " Keys "
screen_keys NPage
screen_wait "(review-accept)"
screen_capture | grep -E "│ a +Accept the hunk \(or the selected lines\) \(review-accept\)" >/dev/null || die "the help does not show a for review-accept"
screen_keys Escape
screen_wait_gone " Keys "
ui_quit
echo ok
