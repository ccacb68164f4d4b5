#!/bin/sh
# Review, Unstaged: an empty file added with `git add -N` (libgit2 sees no
# change there) is listed and asked about as git add -p asks ("Stage
# addition"); y stages it as git does, u puts the intent-to-add entry back.
. "$(dirname "$0")/review-lib.sh"

rv_repo
(cd "$work" && touch e.txt && $G add -N e.txt) || die "cannot add e.txt with -N"
rv_git_copy "$work.git"
trap 'ui_cleanup; rm -rf "$work.git"' EXIT

rv_open
screen_wait "e.txt [intent to add]"
status() { (cd "$1" && $G status --porcelain -- e.txt); }
[ "$(status "$work")" = " A e.txt" ] || die "e.txt is not intent-to-add at the start"
# the list is in path order: a.txt (two hunks, one question), b.txt,
# c.sh (mode change), then e.txt
screen_keys n n n
screen_wait "new empty file  ◀ stage this addition? y/n"
screen_wait "e.txt  A"
screen_keys y
screen_wait "All answered"
(cd "$work.git" && printf 'n\nn\nn\ny\n' | $G add -p >/dev/null 2>&1)
[ "$(status "$work.git")" = "A  e.txt" ] || die "git add -p did not stage e.txt: $(status "$work.git")"
[ "$(status "$work")" = "A  e.txt" ] || die "y did not stage e.txt as git does: $(status "$work")"
[ "$(cd "$work" && $G write-tree)" = "$(cd "$work.git" && $G write-tree)" ] ||
	die "the index trees differ from git add -p's"
screen_keys u
screen_wait "e.txt  A"
[ "$(status "$work")" = " A e.txt" ] || die "u did not restore the intent-to-add entry: $(status "$work")"
ui_quit
echo ok
