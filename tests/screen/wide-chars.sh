#!/bin/sh
# CJK, emoji and combining marks typed into Chat, edited, sent: the input
# and the transcript measure them right, so no column shifts (the pane
# borders stay put) at 120x40 and, wrapped, at 80x24.
. "$(dirname "$0")/ui.sh"

ui_start 120 40 -- --no-color
screen_keys 3
# the marks are combining characters after their letters (e + U+0301 ...)
screen_keys -l "CJK 日本語のテキスト emoji 😀👍 marks $(printf 'e\314\201 n\314\203 a\314\210') Zürich"
screen_keys Left Left Left Left Left Left
screen_keys -l '漢'
screen_wait '漢Zürich'
screen_keys C-e
screen_keys -l ' end'
screen_keys Enter
screen_wait 'Give the agent a goal'
screen_keys -l '表示幅'
ui_expect_body wide-chars-120x40
screen_resize 80 24
screen_wait "4 Merge requests  5 Issues  6 Pipelines"
ui_expect_body wide-chars-80x24
ui_quit
echo ok
