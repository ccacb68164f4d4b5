#!/bin/sh
# Review, Unstaged: e edits the hunk in $EDITOR (curses suspended); a good
# edit is staged, a bad one is refused with the reason and nothing changes.
. "$(dirname "$0")/review-lib.sh"

rv_repo
# the "editors": one makes a good edit, one breaks the context
ed=$(mktemp -d /tmp/dt-review-ed.XXXXXX)
trap 'ui_cleanup; rm -rf "$ed"' EXIT
printf '#!/bin/sh\necho EDITOR-RAN\nsed -i "s/^+line nine$/+line NINE/" "$1"\n' > "$ed/good"
printf '#!/bin/sh\nsed -i "s/^ line 8$/ line eight/" "$1"\n' > "$ed/bad"
chmod +x "$ed/good" "$ed/bad"

rv_open EDITOR="$ed/bad" VISUAL=
screen_keys s n
screen_wait "hunk 2/2"
screen_keys e
screen_wait "edit refused"
screen_wait "hunk 2/2"
[ -z "$(cd "$work" && $G diff --cached --name-only)" ] || die "a refused edit staged something"
ui_quit
tm kill-server

rv_open EDITOR="$ed/good" VISUAL=
screen_keys s n
screen_wait "hunk 2/2"
tm pipe-pane -o "cat > '$ed/raw'"
screen_keys e
screen_wait "b.txt  M"
tm pipe-pane
# the editor gets the terminal without bracketed paste or modifyOtherKeys,
# and both come back after it
LC_ALL=C awk '
	{ raw = raw $0 "\n" }
	END {
		e = index(raw, "EDITOR-RAN"); off = index(raw, "\033[?2004l\033[>4m")
		on = index(substr(raw, e + 1), "\033[?2004h\033[>4;1m")
		exit !(e && off && off < e && on)
	}' "$ed/raw" || die "the terminal modes were not off while the editor ran, or not back after"
(cd "$work" && $G show :a.txt) | grep -qx 'line NINE' || die "the edited line was not staged"
(cd "$work" && $G show :a.txt) | grep -qx 'line 3' || die "the skipped hunk was staged"
grep -qx 'line nine' "$work/a.txt" || die "the edit changed the working file"
ui_quit
echo ok
