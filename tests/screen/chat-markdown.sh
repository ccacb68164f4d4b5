#!/bin/sh
# Markdown in Chat: the demo's model answers "[markdown]" with a heading,
# emphasis, inline code, a link, nested lists, a quote, a code block wider
# than the pane (cut with a marker, not wrapped), a rule and CJK text; the
# reply is laid out by cmark's tree (src/ui/markdown.c), streamed in pieces.
. "$(dirname "$0")/../lib/screen.sh"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"

export DUOTERM_DEMO_SCENARIO="$DT_SRCDIR/tests/sim/scenarios/chat-markdown.json"
screen_start 120 40 "$(dt_cmd --demo --no-color)"
screen_wait "6 Pipelines · 8 pipelines" 20
screen_wait "online @dana" 10
screen_keys 3
screen_keys -l "[markdown] why does test:asan fail?"
screen_keys Enter
screen_wait "120 out" 15 # the turn is over: usage shown
screen_keys M-z # zoomed: the whole reply at 120 columns
screen_wait "正しく折り返されます。 Done." 10
screen_expect chat-markdown-120x40
screen_keys M-z
screen_wait "6 Pipelines · 8 pipelines"
# narrower, the reply wraps again (the Review pane beside it is not ours)
screen_capture | grep -q '^   日本語のテキストも正しく折り返さ' || die "no rewrap in the narrow pane"
# the markup itself is gone
screen_capture | grep -q '\*\*\|```\|\](https' && die "Markdown syntax left on screen"
screen_keys M-1 q
st=$(screen_wait_exit 15)
[ "$st" = 0 ] || die "exit status $st"
echo ok
