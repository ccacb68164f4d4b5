#!/bin/sh
# `duoterm --demo`: the workbench on the simulator in a throwaway repository:
# DEMO in the status bar, the three side panels filled in one go, the
# signed-in user shown; q stops the simulator and removes the sandbox; so
# does SIGTERM and SIGHUP (the SSH link dropped).
. "$(dirname "$0")/../lib/screen.sh"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"

# This run's own duoterm, sandbox and simulator (other tests and sessions
# may run demos at the same time): duoterm works inside its sandbox, and the
# simulator is its child.
run_demo() {
	screen_start 120 40 "$(dt_cmd --demo --no-color)"
	screen_wait "6 Pipelines · 8 pipelines" 20
	# the pane runs a shell that waits for duoterm (see tests/lib/screen.sh)
	dt_pid=$(pgrep -P "$(screen_pane_pid)" | head -n 1)
	[ -n "$dt_pid" ] || die "cannot find the duoterm process"
	sandbox=$(dirname "$(readlink /proc/$dt_pid/cwd)")
	sim_pid=$(pgrep -P "$dt_pid" -f duoterm-sim)
	[ -d "$sandbox" ] && [ -n "$sim_pid" ] || die "no sandbox or simulator"
}

check_clean() { # $1: how it was stopped
	st=$(screen_wait_exit 15)
	[ "$st" = 0 ] || die "$1: exit status $st"
	[ -d "$sandbox" ] && die "$1: the sandbox $sandbox was not removed"
	i=0
	while kill -0 "$sim_pid" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt 100 ] && die "$1: the simulator still runs"; sleep 0.05
	done
	tm kill-server
}

export DUOTERM_DEMO_SCENARIO="$DT_SRCDIR/tests/sim/scenarios/static.json"
run_demo
screen_wait "online @dana" 10  # the start-up hint has gone
screen_expect demo-120x40
screen_keys 4 j j
screen_wait "4 Merge requests · 6 open"
screen_keys q
check_clean q

for sig in TERM HUP; do
	run_demo
	kill -s $sig "$dt_pid"
	check_clean "SIG$sig"
done
echo ok
