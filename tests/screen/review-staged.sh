#!/bin/sh
# Review, Staged (> from Unstaged): y keeps a hunk staged, n unstages it
# (git reset -p with the opposite answers), Y keeps a whole file; the index
# must be what `git reset -p` makes of the same decisions.
. "$(dirname "$0")/review-lib.sh"

rv_repo
(cd "$work" && $G add -A) || die "git add"
rv_git_copy "$work.git"
trap 'ui_cleanup; rm -rf "$work.git"' EXIT

rv_open
screen_keys '>'
screen_wait "Review · Staged"
screen_wait "keep this hunk staged? y/n"
ui_expect_body review-staged-start
screen_keys s y n Y n
screen_wait "All answered"

# git reset -p: y unstages.  a.txt: s, n (keep), y (unstage); b.txt: n;
# c.sh (mode): y
(cd "$work.git" && printf 's\nn\ny\nn\ny\n' | $G reset -p >/dev/null 2>&1)
rv_cached "$work" > "$SCREEN_OUT/ours.diff"
rv_cached "$work.git" > "$SCREEN_OUT/git.diff"
diff -u "$SCREEN_OUT/git.diff" "$SCREEN_OUT/ours.diff" || die "the index differs from git reset -p's"
[ "$(cd "$work" && $G write-tree)" = "$(cd "$work.git" && $G write-tree)" ] ||
	die "the index trees differ"
ui_quit
echo ok
