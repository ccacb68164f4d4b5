#!/bin/sh
# The ActionCable client (src/net/actioncable.c) against a REAL ActionCable
# server: Debian's ruby-actioncable under puma (tests/interop/cable.ru), on
# 127.0.0.1 and a free port.  tests/tools/gitlab-cable.c subscribes to a
# GraphqlChannel (initial null result then three events), an EchoChannel
# (performs "speak", gets the broadcast back with the Bearer token's user), a
# channel that rejects, and an unknown channel (Rails answers nothing: the
# client's subscribe timeout); sees at least one ping; closes cleanly.  A bad
# token gets {"type":"disconnect","reason":"unauthorized","reconnect":false}:
# the client ends and does not reconnect.  Skips (77) without ruby/puma.
. "$(dirname "$0")/gitlab-lib.sh"
command -v puma >/dev/null 2>&1 && ruby -e 'require "action_cable"' 2>/dev/null ||
	{ echo "ruby-actioncable or puma missing (apt-get install ruby-actioncable puma)"; exit 77; }
[ -f "$BUILD/libduoterm.a" ] || { echo "no $BUILD/libduoterm.a"; exit 77; }
mk() { sed -n "s/^$1 = //p" "$SRCDIR/config.mk"; }
san=
[ -n "$DT_SANITIZED" ] && san="-fsanitize=address,undefined -fno-omit-frame-pointer"
${CC:-cc} -std=c11 -D_GNU_SOURCE -Wall -Wextra -g $san -I"$SRCDIR/include" $(mk DEP_CFLAGS) \
	-DDUOTERM_VERSION='"test"' -o "$work/cable" "$SRCDIR/tests/tools/gitlab-cable.c" \
	"$BUILD/libduoterm.a" $(mk DEP_LIBS) -lm -pthread 2>"$work/cc.log" ||
	{ cat "$work/cc.log"; fail "cannot build tests/tools/gitlab-cable.c"; }
[ -s "$work/cc.log" ] && { cat "$work/cc.log"; fail "warnings in tests/tools/gitlab-cable.c"; }

pumapid=''
stop_puma() { [ -n "$pumapid" ] && kill "$pumapid" 2>/dev/null && wait "$pumapid" 2>/dev/null; pumapid=''; }
trap 'stop_puma; cleanup' EXIT
n=0
while :; do
	PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	(cd "$SRCDIR/tests/interop" && exec puma -b "tcp://127.0.0.1:$PORT" -t 4:8 cable.ru) \
		>"$work/puma.out" 2>"$work/puma.err" &
	pumapid=$!
	i=0
	while ! grep -q "Listening on" "$work/puma.out" 2>/dev/null; do
		i=$((i + 1))
		kill -0 "$pumapid" 2>/dev/null || break
		[ $i -gt 200 ] && fail "puma did not start: $(cat "$work/puma.err")"
		sleep 0.05
	done
	kill -0 "$pumapid" 2>/dev/null && break
	n=$((n + 1)); [ $n -gt 3 ] && fail "puma: $(cat "$work/puma.err")"
done

"$work/cable" "ws://127.0.0.1:$PORT/-/cable" tok-dana main >"$work/main" 2>"$work/main.err" ||
	fail "main: $(cat "$work/main.err")"
$PY - "$work/main" <<'PY' || { cat "$work/main"; fail "main run"; }
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
s = [e for e in ev if e["ev"] == "summary"][0]
assert s["graphql"] == 4 and s["echo"] == 1 and s["rejected"] == 1 and s["timeout"] == 1, s
assert s["pings"] >= 1 and s["connects"] == 1 and not s["closed"], s
kinds = [(e["ev"], e.get("sub")) for e in ev]
assert kinds[0] == ("connected", ""), kinds
for k in (("confirmed", "graphql"), ("confirmed", "echo"), ("rejected", "deny"), ("sub_timeout", "unknown")):
    assert k in kinds, (k, kinds)
assert ("confirmed", "unknown") not in kinds and ("confirmed", "deny") not in kinds, kinds
g = [e["message"] for e in ev if e["ev"] == "message" and e["sub"] == "graphql"]
assert g[0] == {"result": {"data": {"ciPipelineStatusUpdated": None}}, "more": True}, g[0]
assert [m["result"]["data"]["ciPipelineStatusUpdated"]["status"] for m in g[1:]] == ["step 0", "step 1", "step 2"], g
assert g[1]["result"]["data"]["ciPipelineStatusUpdated"]["id"] == "gid://gitlab/Ci::Pipeline/312", g[1]
e = [e["message"] for e in ev if e["ev"] == "message" and e["sub"] == "echo"]
assert e == [{"text": "hello from duoterm", "from": "tok-dana"}], e
closed = [e for e in ev if e["ev"] == "closed"]
assert len(closed) == 1 and closed[0]["final"] == 1, closed
assert ev[-1] == {"ev": "end", "closed": 1}, ev[-1]
PY

"$work/cable" "ws://127.0.0.1:$PORT/-/cable" bad-token bad >"$work/bad" 2>"$work/bad.err" ||
	fail "bad: $(cat "$work/bad.err")"
$PY - "$work/bad" <<'PY' || { cat "$work/bad"; fail "disconnect"; }
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
kinds = [e["ev"] for e in ev]
assert "connected" not in kinds, kinds
closed = [e for e in ev if e["ev"] == "closed"]
assert len(closed) == 1 and closed[0]["final"] == 1 and "unauthorized" in closed[0]["reason"], ev
assert kinds.count("down") == 0 or kinds.index("closed") > kinds.index("down"), kinds
assert ev[-1] == {"ev": "end", "closed": 1}, ev
PY
grep -q "tok-dana" "$work/main.err" && fail "the token reached stderr"
echo ok
