#!/bin/sh
# Review, Proposed: the demo's agent (scenario agent-main) proposes two
# hunks in src/ringbuf.c and one in include/ringbuf.h; the pane opens on
# Proposed.  y lands the header's hunk in the working file, u takes it back
# (the file is byte for byte what it was), y again; then in src/ringbuf.c n
# drops the comment hunk and y lands the bound fix.  The files are checked
# on disk after each step.
. "$(dirname "$0")/../lib/screen.sh"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"

tmp=$(mktemp -d /tmp/dt-rv-proposed.XXXXXX)
trap 'screen_stop; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/state" "$tmp/config"
screen_start 120 40 "env HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config \
DUOTERM_DEMO_SCENARIO=$DT_SRCDIR/tests/sim/scenarios/agent-main.json $(dt_cmd --demo --no-color)"
screen_wait "6 Pipelines · 8 pipelines" 20
screen_keys 3
screen_keys -l "[agent-main] fix ringbuf_get"
screen_keys Enter
screen_wait "AGENT-MAIN-PROPOSED" 20
screen_wait "Review · Proposed · 2 files"

# the sandbox is duoterm's working directory
pid=$(pgrep -P "$(screen_pane_pid)" duoterm | head -n 1)
[ -n "$pid" ] || die "no duoterm process"
box=$(readlink "/proc/$pid/cwd")
[ -f "$box/include/ringbuf.h" ] || die "no sandbox at $box"
cp "$box/include/ringbuf.h" "$tmp/ringbuf.h.orig"
mode=$(stat -c %a "$box/include/ringbuf.h")
grep -q 'counting from the oldest' "$box/include/ringbuf.h" && die "proposed text already in the file"

screen_keys M-2 z # (in Chat, 2 would be typed)
screen_wait "include/ringbuf.h  M · +1 -0 · hunk 1/1"
screen_wait "accept this hunk? y/n"
screen_keys y
screen_wait "Review · Proposed · 1 file"
grep -q '^/\* Entry i, counting from the oldest; NULL when i >= ringbuf_len(rb). \*/$' \
	"$box/include/ringbuf.h" || die "y did not write the hunk: $(cat "$box/include/ringbuf.h")"

# u: the file as it was (bytes and mode), the proposal back to decide again
screen_keys u
screen_wait "Review · Proposed · 2 files"
screen_wait "undone: the file is as it was"
cmp -s "$tmp/ringbuf.h.orig" "$box/include/ringbuf.h" || die "u did not restore the bytes"
[ "$(stat -c %a "$box/include/ringbuf.h")" = "$mode" ] || die "u did not restore the mode"
screen_wait "include/ringbuf.h  M · +1 -0 · hunk 1/1"
screen_keys y
screen_wait "Review · Proposed · 1 file"
grep -q 'counting from the oldest' "$box/include/ringbuf.h" || die "the second y did not land"

# src/ringbuf.c: reject the comment, accept the bound check
screen_wait "src/ringbuf.c  M · +2 -2 · hunk 1/2"
screen_keys n
screen_wait "hunk 1/1"
screen_keys y
screen_wait "No proposals to review."
grep -q 'if (i >= rb->len)' "$box/src/ringbuf.c" || die "the bound fix did not land"
grep -q 'oldest first' "$box/src/ringbuf.c" && die "the rejected comment hunk landed"
grep -q 'if (i > rb->len)' "$box/src/ringbuf.c" && die "the old bound check is still there"
screen_keys M-1 q
st=$(screen_wait_exit 15)
[ "$st" = 0 ] || die "exit status $st"
echo ok
