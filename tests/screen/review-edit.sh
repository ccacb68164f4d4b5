#!/bin/sh
# Review, Unstaged: e edits the hunk in $EDITOR (curses suspended); a good
# edit is staged, a bad one is refused with the reason and nothing changes.
. "$(dirname "$0")/review-lib.sh"

rv_repo
# the "editors": one makes a good edit, one breaks the context
ed=$(mktemp -d /tmp/dt-review-ed.XXXXXX)
trap 'ui_cleanup; rm -rf "$ed"' EXIT
printf '#!/bin/sh\nsed -i "s/^+line nine$/+line NINE/" "$1"\n' > "$ed/good"
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
screen_keys e
screen_wait "b.txt  M"
(cd "$work" && $G show :a.txt) | grep -qx 'line NINE' || die "the edited line was not staged"
(cd "$work" && $G show :a.txt) | grep -qx 'line 3' || die "the skipped hunk was staged"
grep -qx 'line nine' "$work/a.txt" || die "the edit changed the working file"
ui_quit
echo ok
