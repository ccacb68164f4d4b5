#!/bin/sh
# `duoterm --demo`: the workbench on the simulator in a throwaway repository:
# DEMO in the status bar, the three side panels filled in one go, the
# signed-in user shown; q stops the simulator and removes the sandbox; so
# does SIGTERM and SIGHUP (the SSH link dropped).
. "$(dirname "$0")/../lib/screen.sh"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "python3-aiohttp missing"

before=$(ls -d /tmp/duoterm-demo.* 2>/dev/null | sort)
# simulators started by anyone else (other tests, other sessions) don't count
sims() { pgrep -f "duoterm-sim --port 0 --exit-on-stdin-eof" | sort; }
sims_before=$(sims)
new_sims() {
	for pid in $(sims); do
		echo "$sims_before" | grep -qx "$pid" || echo "$pid"
	done
}
run_demo() {
	screen_start 120 40 "$(dt_cmd --demo --no-color)"
	screen_wait "6 Pipelines · 8 pipelines" 20
}

sandboxes() { ls -d /tmp/duoterm-demo.* 2>/dev/null | sort; }
check_clean() { # $1: how it was stopped
	i=0
	while [ "$(sandboxes)" != "$before" ]; do
		i=$((i + 1)); [ $i -gt 100 ] && die "$1: the sandbox was not removed"; sleep 0.05
	done
	st=$(screen_wait_exit 5)
	[ "$st" = 0 ] || die "$1: exit status $st"
	i=0
	while [ -n "$(new_sims)" ]; do
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
	pid=$(pgrep -n -f "duoterm --demo")
	[ -n "$pid" ] || die "no duoterm process"
	kill -s $sig "$pid"
	check_clean "SIG$sig"
done
echo ok
