#!/bin/sh
# The Plan pane's keys (context Plan): the model makes a three-step plan,
# the user edits a title (e), adds a step (a), removes one (d), moves one
# (J, K, M-Up) and cancels one (c) — the pane shows each change; then the
# user asks to go on and the model's next request carries the edited plan
# (its system prompt and a note in the user message, read back from the
# simulator's /__sim/requests); the journal has it, so `run --resume`
# sends it again.  On the way the model wants to comment on an issue: the
# approval dialog shows the note, the user refuses, nothing is posted.
. "$(dirname "$0")/../integration/agent-lib.sh"
. "$(dirname "$0")/../lib/screen.sh"
trap 'screen_stop; cleanup' EXIT
command -v tmux >/dev/null 2>&1 || skip "tmux is not installed"

start_sim agent-plan.json
run_ui() {
	screen_start 120 36 "cd '$work/repo' && env HOME='$HOME' XDG_STATE_HOME='$STATE'" \
		"XDG_CONFIG_HOME='$XDG_CONFIG_HOME' GITLAB_INSTANCE_URL='$URL' GITLAB_TOKEN='$TOKEN'" \
		"OPENAI_BASE_URL='$URL/v1' OPENAI_API_KEY='$KEY'" \
		"$(dt_cmd --no-color --provider openai --model demo-model "$@")"
	screen_wait "1 Plan" 10
}
# the Plan pane's rows, as "glyph N. title" lines
plan_rows() { screen_capture | grep -E '^ *[○▶✔✖] [0-9]+\. ' | sed -E 's/^ *//; s/ *│.*//'; }
expect_plan() { # the expected rows, one argument each
	want=$(printf '%s\n' "$@")
	i=0
	while [ "$(plan_rows)" != "$want" ]; do
		i=$((i + 1))
		[ $i -gt 40 ] && die "the plan is
$(plan_rows)
expected
$want"
		sleep 0.05
	done
}

# the body of the model's last request, into $work/last.json
last_body() {
	sim_requests "$work/reqs.json"
	$PY - "$work/reqs.json" "$work/last.json" <<'PY' || die "no model request"
import json, sys
reqs = [r for r in json.load(open(sys.argv[1]))
        if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
body = reqs[-1]["body"]
json.dump(json.loads(body) if isinstance(body, str) else body, open(sys.argv[2], "w"))
PY
}

run_ui
screen_keys 3
screen_keys -l "[agent-plan] fix the ring buffer"
screen_keys Enter
screen_wait "The plan is ready" 15
screen_wait "agent: idle" 5
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the bound check" "○ 3. Summarise"

# edit the second step's title (C-u clears the prefilled text)
screen_keys M-1
screen_keys j e
screen_wait "Step 2: Fix the bound check"
screen_keys C-u
screen_keys -l "Fix the off-by-one"
screen_keys Enter
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the off-by-one" "○ 3. Summarise"
screen_wait "plan edited; the agent sees it"
# add a step after it; an empty answer changes nothing
screen_keys a
screen_wait "New step:"
screen_keys Enter
screen_wait "a step needs a title"
screen_keys o
screen_keys -l "Add a regression test"
screen_keys Enter
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the off-by-one" \
	"○ 3. Add a regression test" "○ 4. Summarise"
# the new step is selected: move it up, then down past the end is refused
screen_keys K
expect_plan "▶ 1. Read the ring buffer" "○ 2. Add a regression test" \
	"○ 3. Fix the off-by-one" "○ 4. Summarise"
screen_keys J J J
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the off-by-one" \
	"○ 3. Summarise" "○ 4. Add a regression test"
screen_keys M-Up
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the off-by-one" \
	"○ 3. Add a regression test" "○ 4. Summarise"
# cancel the last step, remove the first; c twice puts a step back
screen_keys G c
expect_plan "▶ 1. Read the ring buffer" "○ 2. Fix the off-by-one" \
	"○ 3. Add a regression test" "✖ 4. Summarise"
screen_keys k c c
screen_keys g d
expect_plan "○ 1. Fix the off-by-one" "○ 2. Add a regression test" \
	"✖ 3. Summarise"
screen_wait "1 Plan · 0/3 done"
# idle: p and S have nothing to act on, and say so
screen_keys p
screen_wait "nothing to pause"
screen_keys S
screen_wait "nothing to stop"
# the screen above the status line (whose message expires on a timer)
exp=$DT_SRCDIR/tests/screen/expected/plan-edit-120x36.txt
screen_capture | sed '$d' > "$SCREEN_OUT/plan-edit.txt"
if [ "$DT_UPDATE_GOLDEN" = 1 ]; then
	cp "$SCREEN_OUT/plan-edit.txt" "$exp"
else
	diff -u "$exp" "$SCREEN_OUT/plan-edit.txt" || die "the screen differs from $exp"
fi

# go on: the model's next request carries the edited plan
screen_keys 3
screen_keys -l "[agent-plan-go] go on"
screen_keys Enter
# it wants to comment on the issue: the dialog shows the note; the user says no
screen_wait "Allow create_issue_note: note on issue #3: PLAN-NOTE: working on it" 15
screen_keys j j Enter
screen_wait "Understood, no comment posted." 15
sim_requests "$work/reqs.json"
$PY - "$work/reqs.json" <<'PY' || die "a refused note was posted, or the model was not told"
import json, sys
reqs = json.load(open(sys.argv[1]))
assert not [r for r in reqs if r["method"] == "POST" and r["path"].endswith("/notes")], "posted"
chats = [r for r in reqs if r["method"] == "POST" and r["path"].endswith("/chat/completions")]
body = chats[-1]["body"]
msgs = (json.loads(body) if isinstance(body, str) else body)["messages"]
assert msgs[-1]["role"] == "tool" and "refused" in msgs[-1]["content"], msgs[-1]
PY
last_body
$PY - "$work/last.json" <<'PY' || die "the model's last request does not carry the edited plan"
import json, sys
msgs = json.load(open(sys.argv[1]))["messages"]
system = "\n".join(m["content"] for m in msgs if m["role"] == "system")
want = ["1. [not_started] Fix the off-by-one",
        "2. [not_started] Add a regression test", "3. [cancelled] Summarise"]
for w in want:
    assert w in system, (w, system)
assert "Read the ring buffer" not in system, system
last_user = [m for m in msgs if m["role"] == "user"][-1]["content"]
assert "The user edited the plan" in last_user, last_user
assert "[agent-plan-go] go on" in last_user, last_user
note = last_user[last_user.rindex("The user edited the plan"):]
assert '"Fix the off-by-one"' in note and '"Add a regression test"' in note, note
PY
screen_keys M-1 q
[ "$(screen_wait_exit 10)" = 0 ] || die "q: bad exit status"

# the journal holds the edited plan: `run --resume` sends it to the model
dt "$work/out-resume.json" run --json --resume "[agent-plan-go] once more"
[ "$rc" = 0 ] || die "run --resume: exit $rc: $(cat "$work/out-resume.json.err")"
last_body
$PY - "$work/last.json" <<'PY' || die "the resumed session lost the edited plan"
import json, sys
body = json.load(open(sys.argv[1]))
system = "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")
assert "1. [not_started] Fix the off-by-one" in system, system
assert "3. [cancelled] Summarise" in system, system
assert "once more" in body["messages"][-1]["content"], body["messages"][-1]
PY
echo ok
