#!/bin/sh
# Idle costs nothing: the demo workbench, left alone for 10 s, uses < 10 ms
# of CPU and does not wake up periodically.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
[ -x "$SRCDIR/tests/sim/duoterm-sim" ] || { echo "simulator missing"; exit 77; }
if [ -n "$DT_SANITIZED" ]; then echo "not measured under sanitizers"; exit 77; fi
exec sh "$SRCDIR/bench/idle.sh" --assert 10
