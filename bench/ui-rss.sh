#!/bin/sh
# Memory: RSS of the workbench idle at 120x40 without GitLab, on the demo
# (the simulator is not counted) and with a 100,000-line list; split into
# anonymous memory (ours) and the shared libraries' pages (libcrypto,
# gnutls, libgit2 ... mapped from files, shared with other processes).
# PSS divides shared pages among the processes that map them, so it falls
# when other programs use the same libraries; RSS is the target.
# DT_RSS_MAPS=1 also prints RSS/PSS/private dirty per mapping.
# Target: < 15 MB idle.
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
sock=dt-bench-rss-$$
out=$(mktemp -d /tmp/dt-bench.XXXXXX)
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$out"' EXIT
command -v tmux >/dev/null || { echo "ui-rss: tmux missing"; exit 77; }

rss() { # LABEL WAIT-FOR ARGS/ENV...
	label=$1 want=$2
	shift 2
	tm new-session -d -s r -x 120 -y 40 "cd $out && env TERM=tmux-256color LANG=C.UTF-8 \
XDG_CONFIG_HOME=$out XDG_STATE_HOME=$out $*" || exit 1
	shell=$(tm display-message -p -t r '#{pane_pid}')
	for _ in $(seq 1 200); do
		tm capture-pane -t r -p | grep -qF "$want" && break
		sleep 0.05
	done
	sleep 2
	pid=$(pgrep -P "$shell" -x duoterm | head -n 1)
	[ -z "$pid" ] && [ "$(cat /proc/"$shell"/comm)" = duoterm ] && pid=$shell
	st=/proc/$pid/status
	pss=$(awk '/^Pss:/ { print $2 }' /proc/"$pid"/smaps_rollup)
	heap=$(awk '/\[heap\]/ { h = 1; next } /^[0-9a-f]+-/ { h = 0 } h && /^Rss:/ { print $2 }' \
		/proc/"$pid"/smaps)
	printf '%s at 120x40: RSS %s kB, PSS %s kB (anonymous %s kB, of it heap %s kB; shared libraries %s kB)\n' \
		"$label" "$(awk '/^VmRSS/ { print $2 }' "$st")" "$pss" "$(awk '/^RssAnon/ { print $2 }' "$st")" \
		"${heap:-0}" "$(awk '/^RssFile/ { print $2 }' "$st")"
	if [ -n "$DT_RSS_MAPS" ]; then # per mapping: RSS, PSS, private dirty (kB)
		awk '/^[0-9a-f]+-/ { n = ($6 == "" ? "[anon]" : $6); next }
		     /^Rss:/ { r[n] += $2 } /^Pss:/ { p[n] += $2 } /^Private_Dirty:/ { d[n] += $2 }
		     END { for (n in r) if (r[n] >= 100) printf "  %6d %6d %6d %s\n", r[n], p[n], d[n], n }' \
			/proc/"$pid"/smaps | sort -rn
	fi
	tm kill-server
	sleep 0.3
}

rss "idle, no GitLab" "1 Plan" "$BIN"
if /usr/bin/python3 -c 'import aiohttp' 2>/dev/null; then
	rss "idle demo" "· 8 pipelines" "$BIN --demo"
else
	echo "idle demo: skipped (python3-aiohttp missing)"
fi
rss "100,000-line list" " 1/100000 " "DUOTERM_BENCH_LIST=100000 $BIN"
