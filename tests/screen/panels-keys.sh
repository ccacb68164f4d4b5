#!/bin/sh
# The side panels' keys (context S), checked by what the simulator
# received: back from a detail (Esc, h, Backspace, Left; Esc on a list stays
# the global cancel), a comment with an @mention (c), an empty or cancelled
# comment sends nothing, assigning an issue from the project's members (a),
# retrying and cancelling a job after a confirmation (r, x; "no" sends
# nothing), and a merge request's diff fetched for Review (d).
. "$(dirname "$0")/panels-lib.sh"
gl_sim
gl_start 200 40 DUOTERM_POLL_MS=60000:60000:60000:60000
screen_wait "6 Pipelines · 8 pipelines" 10

# back: every key of panel-back closes the MR detail and keeps the selection
screen_keys 4 j
for k in Escape h BSpace Left; do
	screen_keys Enter
	screen_wait "Approvals" 5
	screen_keys "$k"
	screen_wait "4 Merge requests · 6 open" 5
	screen_capture | grep -q "Approvals" && die "$k did not go back"
done
screen_capture | grep -q "4 Merge requests · 6 open *2/6" || die "the selection moved"
# Esc on a list is the global cancel: nothing happens, nothing breaks
screen_keys Escape
screen_wait "4 Merge requests · 6 open" 2
ui_expect_body panels-keys-list

# a comment on the selected issue, @mention passed as typed
screen_keys 5
seq=$(gl_seq)
screen_keys c
screen_wait "comment on #8" 3
screen_keys -l "flaky again @duo-developer please look"
screen_keys Enter
screen_wait "Done." 5
gl_reqs "$seq" "notes" > "$work/r"
[ "$(cat "$work/r")" = 'POST /issues/8/notes 201 {"body": "flaky again @duo-developer please look"}' ] ||
	die "the comment: $(cat "$work/r")"
# empty, blank or cancelled: nothing sent
seq=$(gl_seq)
screen_keys c
screen_wait "comment on #8" 3
screen_keys Enter
screen_keys c
screen_keys -l "   "
screen_keys Enter
screen_keys c
screen_keys -l "never mind"
screen_keys Escape
sleep 0.5
[ -z "$(gl_reqs "$seq" "notes")" ] || die "an empty comment was sent: $(gl_reqs "$seq")"
# in an open issue the comment goes to it and shows in its notes
screen_keys j Enter
screen_wait "Notes: 2" 5
screen_keys c
screen_wait "comment on #3" 3
seq=$(gl_seq)
screen_keys -l "a note from the detail"
screen_keys Enter
screen_wait "Notes: 3" 5
gl_reqs "$seq" "notes" | grep -q '^POST /issues/3/notes 201 {"body": "a note from the detail"}$' ||
	die "the comment from the detail: $(gl_reqs "$seq")"
screen_keys Escape

# assign #8 (the first issue) to the second member, @rpatel (id 2)
screen_keys g
seq=$(gl_seq)
screen_keys a
screen_wait "Assign #8 to" 5
screen_wait "@rpatel" 2
ui_expect_body panels-keys-assign
screen_keys j Enter
screen_wait_gone "Assign #8 to" 3
sleep 0.5
gl_reqs "$seq" > "$work/r"
grep -q '^GET /members/all 200 -$' "$work/r" || die "members not asked: $(cat "$work/r")"
grep -q '^PUT /issues/8 200 {"assignee_ids": \[2\]}$' "$work/r" || die "the assignment: $(cat "$work/r")"
# cancelled: nothing
seq=$(gl_seq)
screen_keys a
screen_wait "Assign #8 to" 5
screen_keys Escape
screen_wait_gone "Assign #8 to" 3
gl_reqs "$seq" | grep -q "^PUT" && die "a cancelled pick assigned"

# jobs: #308 (build failed) in detail, retry its build job after a "no"
screen_keys 6 G k k k
screen_keys Enter
screen_wait "build · failed" 5
screen_keys j
seq=$(gl_seq)
screen_keys r
screen_wait "Retry job?" 3
screen_keys n
screen_wait_gone "Retry job?" 3
sleep 0.3
gl_reqs "$seq" | grep -q "^POST" && die "'no' retried the job"
screen_keys r
screen_wait "Retry job?" 3
screen_capture | grep -q "Run job 3081: ✖ build · failed again?" || die "the question names the job"
screen_keys y
screen_wait "Done." 5
gl_reqs "$seq" "jobs" | grep '^POST' > "$work/r"
[ "$(cat "$work/r")" = "POST /jobs/3081/retry 201 {}" ] || die "retry: $(cat "$work/r")"
screen_keys Escape

# cancel the running test:asan job of #312
screen_keys g Enter
screen_wait "test:asan · running" 5
screen_keys G
seq=$(gl_seq)
screen_keys x
screen_wait "Cancel job?" 3
screen_keys y
screen_wait "Done." 5
gl_reqs "$seq" "jobs" | grep '^POST' > "$work/r"
[ "$(cat "$work/r")" = "POST /jobs/3124/cancel 201 {}" ] || die "cancel: $(cat "$work/r")"
screen_wait "test:asan · canceled" 5
# the keys of other panels say where they work
screen_keys c
screen_wait "comments go on merge requests (4) and issues (5)" 3
screen_keys Escape

# d: the merge request's diff, fetched for Review, which takes the focus
# and shows it read-only
screen_keys 4 g
seq=$(gl_seq)
screen_keys d
screen_wait "MR !4" 5
gl_reqs "$seq" "diffs" | grep -q "^GET /merge_requests/4/diffs" || die "d did not fetch the diff"
screen_keys y
screen_wait "read-only: this is merge request !4" 3
grep -q "glpat-demo" "$work/log" && die "the token reached the log"
echo ok
