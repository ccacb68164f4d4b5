#!/bin/sh
# Review, Unstaged: split a hunk with s, stage one half with y, skip the
# other, stage the next file; the index must be what `git add -p` makes of
# the same answers.  Goldens: the pane on start and after the split.
. "$(dirname "$0")/review-lib.sh"

rv_repo
echo draft > "$work/notes.md" # untracked: not offered, but mentioned at the end
rv_git_copy "$work.git"
trap 'ui_cleanup; rm -rf "$work.git"' EXIT

rv_open
screen_wait "stage this hunk? y/n"
ui_expect_body review-stage-start
screen_keys s
screen_wait "hunk 1/2"
ui_expect_body review-stage-split
screen_keys y n y n
screen_wait "All answered"
# the list says what the answers did to each file
screen_wait "a.txt  · staged 1/2"
screen_wait "b.txt  · staged"
screen_wait "100755]  · skipped"
screen_wait "1 untracked path is not offered"

(cd "$work.git" && printf 's\ny\nn\ny\nn\n' | $G add -p >/dev/null 2>&1)
rv_cached "$work" > "$SCREEN_OUT/ours.diff"
rv_cached "$work.git" > "$SCREEN_OUT/git.diff"
[ -s "$SCREEN_OUT/git.diff" ] || die "git add -p staged nothing"
diff -u "$SCREEN_OUT/git.diff" "$SCREEN_OUT/ours.diff" || die "the index differs from git add -p's"
[ "$(cd "$work" && $G write-tree)" = "$(cd "$work.git" && $G write-tree)" ] ||
	die "the index trees differ"

# u takes back the last answer (the mode change stays unstaged anyway),
# and again: b.txt's hunk is unstaged and asked again
screen_keys u u
screen_wait "hunk 1/1"
[ -z "$(cd "$work" && $G diff --cached --name-only -- b.txt)" ] || die "u did not unstage b.txt"
ui_quit
echo ok
