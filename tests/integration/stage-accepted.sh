#!/bin/sh
# review.stage_accepted: a proposal accepted (here by `duoterm run
# --accept-proposals`, through the same store as Review's y) is written to
# the work tree, and with the setting also staged -- exactly what landed;
# without it the index is left alone.
. "$(dirname "$0")/dap-lib.sh"

# run STAGE(true|false): a fresh simulator and repository; the flow writes
# a.txt ("hi" -> "hi there"), accepted at once
run() {
	printf '{"review": {"stage_accepted": %s}}\n' "$1" >"$XDG_CONFIG_HOME/duoterm/config.json"
	dap_sim dap-resume.json
	dap_repo
	dap_run --provider duo-workflow --accept-proposals "tidy a.txt" >"$work/out" 2>&1 ||
		fail "stage_accepted=$1: exit $?"
	grep -q '"type":"proposal","path":"a.txt","accepted":true' "$work/out" ||
		fail "stage_accepted=$1: the proposal was not accepted"
	[ "$(cat "$work/repo/a.txt")" = "hi there" ] || fail "stage_accepted=$1: a.txt not written"
}

run true
[ "$(cd "$work/repo" && git show :a.txt)" = "hi there" ] || fail "accepted, but not staged"
[ -z "$(cd "$work/repo" && git diff --name-only)" ] || fail "the index is not what landed"

run false
[ "$(cd "$work/repo" && git show :a.txt)" = "hi" ] || fail "staged without the setting"
echo ok
