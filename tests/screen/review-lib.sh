# Helpers for the Review pane's screen tests (sourced): a scratch
# repository in $work (where ui_start runs duoterm) and a copy of it for
# git itself, so the same answers can be given to both.
. "$(dirname "$0")/ui.sh"

G="git -c user.name=t -c user.email=t@example.invalid -c core.pager=cat"

# rv_repo: $work becomes a repository with a.txt (one hunk that splits in
# two), b.txt (one hunk) and c.sh (a mode change), committed then changed.
rv_repo() {
	(cd "$work" && $G init -q && printf 'config/\nstate/\n' > .gitignore &&
	 seq 1 14 | sed 's/^/line /' > a.txt && printf 'one\ntwo\nthree\n' > b.txt &&
	 printf 'echo hi\n' > c.sh && $G add -A && $G commit -qm base &&
	 sed -i 's/^line 3$/line 3 changed/; s/^line 9$/line nine/' a.txt &&
	 echo four >> b.txt && chmod +x c.sh) || die "cannot make the scratch repository"
}

# rv_git_copy DIR: a copy of the repository for git's own add -p / reset -p
rv_git_copy() {
	rm -rf "$1" && cp -R "$work" "$1" && rm -rf "$1/config" "$1/state"
}

# rv_open [ENV=VALUE ...]: duoterm in $work with Review focused and zoomed
rv_open() {
	ui_start 120 40 "$@" -- --no-color
	screen_keys 2 z
	screen_wait "Review · Unstaged"
}

# rv_cached DIR: the index as a patch (what was staged)
rv_cached() { (cd "$1" && $G diff --cached --full-index); }
