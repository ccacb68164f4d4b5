#!/bin/sh
# Review, Unstaged: d discards a hunk from the working tree after a
# confirmation, hunk by hunk (the second after the first moved its lines),
# exactly as `git checkout -p` does with the same answers; u brings the
# last one back.
. "$(dirname "$0")/review-lib.sh"

(cd "$work" && $G init -q && printf 'config/\nstate/\n' > .gitignore &&
 seq 1 30 | sed 's/^/line /' > d.txt && $G add -A && $G commit -qm base &&
 sed -i 's/^line 3$/line 3\nextra 1\nextra 2/; s/^line 20$/line twenty/' d.txt) ||
	die "cannot make the scratch repository"
rv_git_copy "$work.git"
trap 'ui_cleanup; rm -rf "$work.git"' EXIT
cp "$work/d.txt" "$SCREEN_OUT/before.txt"

rv_open
screen_wait "hunk 1/2"
screen_keys d
screen_wait "Discard this hunk"
ui_expect_body review-discard-confirm
screen_keys y
screen_wait "hunk 2/2"
grep -q '^extra 1$' "$work/d.txt" && die "the first hunk is still in the file"
cp "$work/d.txt" "$SCREEN_OUT/after-one.txt"
screen_keys d
screen_wait "Discard this hunk"
screen_keys y
screen_wait "All answered"

(cd "$work.git" && printf 'y\ny\n' | $G checkout -p -- d.txt >/dev/null 2>&1)
cmp "$work/d.txt" "$work.git/d.txt" || die "the work tree differs from git checkout -p's"
[ -z "$(cd "$work" && $G diff)" ] || die "changes are left after discarding both hunks"

screen_keys u
screen_wait "discarded hunk is back"
cmp "$work/d.txt" "$SCREEN_OUT/after-one.txt" || die "u did not bring the second hunk back"
screen_keys u
screen_wait "hunk 1/2"
cmp "$work/d.txt" "$SCREEN_OUT/before.txt" || die "u did not bring the first hunk back"
ui_quit
echo ok
