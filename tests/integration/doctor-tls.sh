#!/bin/sh
# `duoterm doctor --json` over TLS: the simulator behind tests/net/h2_proxy.js
# (node: HTTP/2 and HTTP/1.1 + WebSocket upgrades over TLS, with a certificate
# from tests/net/mkcert.sh), all on 127.0.0.1.
#   1. no CA that vouches for the server (none, then another valid one): the
#      tls check fails with "certificate verification" and a fix naming
#      SSL_CERT_FILE and tls.ca_file; tcp still passes; exit 1.
#   2. SSL_CERT_FILE (then tls.ca_file in the config file) names the test CA:
#      tls passes, http2 passes with the negotiated HTTP/2; exit 0.
#   3. tls.insecure in the config file: tls is a warning with a fix; exit 0.
#   4. every run: the token is in neither the report nor stderr.
# Exit 0 pass, 77 skip (no openssl, node or python3-aiohttp for the sim), else fail.
SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${DUOTERM_BIN:-$SRCDIR/duoterm}
SIM=$SRCDIR/tests/sim/duoterm-sim
PY=/usr/bin/python3
command -v openssl >/dev/null 2>&1 || { echo "openssl missing"; exit 77; }
command -v node >/dev/null 2>&1 || { echo "node missing"; exit 77; }
$PY -c 'import aiohttp' 2>/dev/null || { echo "python3-aiohttp missing"; exit 77; }
[ -x "$BIN" ] || { echo "FAIL: no binary $BIN (make first)"; exit 1; }

work=$(mktemp -d /tmp/dt-doctor-tls.XXXXXX)
simpid= proxypid=
cleanup() {
	exec 3>&- 2>/dev/null
	for p in $proxypid $simpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() { echo "FAIL: $*"; for f in out err; do [ -f "$work/$f" ] && sed "s/^/  $f: /" "$work/$f"; done; exit 1; }

# private home, no proxies, no inherited trust settings
export HOME=$work/home XDG_CONFIG_HOME=$work/home/config XDG_STATE_HOME=$work/home/state
mkdir -p "$XDG_CONFIG_HOME/duoterm" "$XDG_STATE_HOME"
unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
unset SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE GITLAB_TOKEN GITLAB_INSTANCE_URL DUOTERM_LOG

mkdir -p "$work/ca" "$work/other"
sh "$SRCDIR/tests/net/mkcert.sh" "$work/ca" && sh "$SRCDIR/tests/net/mkcert.sh" "$work/other" \
	|| fail "tests/net/mkcert.sh failed"
CA=$work/ca/cert.pem OTHER=$work/other/cert.pem

"$SIM" --scenario "$SRCDIR/tests/sim/scenarios/static.json" --port 0 --port-file "$work/simport" \
	--quiet >/dev/null 2>"$work/sim.err" &
simpid=$!
i=0; while [ ! -s "$work/simport" ]; do i=$((i+1)); [ $i -gt 200 ] && fail "sim did not start"; sleep 0.05; done

# the proxy exits when its stdin ends: fd 3 holds the fifo open until we exit
mkfifo "$work/in"
node "$SRCDIR/tests/net/h2_proxy.js" "$work/ca" "$(cat "$work/simport")" <"$work/in" >"$work/proxyport" \
	2>"$work/proxy.err" &
proxypid=$!
exec 3>"$work/in"
i=0; while ! grep -q '^PORT ' "$work/proxyport" 2>/dev/null; do
	i=$((i+1)); [ $i -gt 300 ] && { cat "$work/proxy.err"; fail "h2_proxy.js did not start"; }; sleep 0.05
done
URL=https://127.0.0.1:$(sed -n 's/^PORT //p' "$work/proxyport")

mkdir -p "$work/repo"
(cd "$work/repo" && git init -q -b main . && git remote add origin "$URL/duoterm-demo/tools/sandbox.git") \
	|| fail "git init"
TOKEN=glpat-demo-0000000000000000

# doctor [VAR=value ...] [--text]: $work/out, $work/err, $rc
doctor() {
	mode=--json
	[ "$1" = --text ] && { mode=; shift; }
	(cd "$work/repo" && env "$@" GITLAB_INSTANCE_URL="$URL" GITLAB_TOKEN="$TOKEN" GITLAB_AI_GATEWAY_URL="$URL" \
		DUOTERM_PROVIDER=duo-workflow timeout 60 "$BIN" doctor $mode >"$work/out" 2>"$work/err")
	rc=$?
	# 4: the token never appears
	grep -qF "$TOKEN" "$work/out" "$work/err" && fail "the token is in the report"
	[ -z "$mode" ] || $PY -c "import json; json.load(open('$work/out'))" 2>/dev/null || fail "not JSON"
	return 0
}
# expect 'PYTHON ASSERTIONS' (r: the report, c: checks by name)
expect() {
	$PY - "$work/out" "$1" <<'EOF' || fail "$2"
import json, sys
r = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in r["checks"]}
try:
    exec(sys.argv[2])
except AssertionError as e:
    print("assertion failed:", e, "\n", json.dumps(c.get("tls"), indent=1), json.dumps(c.get("http2")))
    sys.exit(1)
EOF
}
# 1. no CA vouches for the server
doctor
[ "$rc" = 1 ] || fail "no CA: exit $rc"
expect '
t = c["tls"]
assert r["ok"] is False
assert t["status"] == "fail" and t["required"], t
assert "certificate verification" in t["detail"], t["detail"]
assert "SSL_CERT_FILE" in t["fix"] and "tls.ca_file" in t["fix"], t["fix"]
assert c["tcp"]["status"] == "pass", c["tcp"]
assert c["token"]["status"] == "skipped", c["token"]
' "no CA"
doctor --text
[ "$rc" = 1 ] || fail "no CA (text): exit $rc"
grep -q '^FAIL  *tls  *certificate verification' "$work/out" || fail "no CA (text): tls line"
grep -q 'fix: .*SSL_CERT_FILE' "$work/out" || fail "no CA (text): fix"
doctor SSL_CERT_FILE="$OTHER"
[ "$rc" = 1 ] || fail "other CA: exit $rc"
expect '
t = c["tls"]
assert t["status"] == "fail", t
assert "certificate verification" in t["detail"] and "other/cert.pem" in t["detail"], t
assert "SSL_CERT_FILE" in t["fix"] and "tls.ca_file" in t["fix"], t["fix"]
' "other CA"

# 2. the test CA: TLS verified, HTTP/2 negotiated, everything else passes
all_pass='
assert r["ok"] is True, [x for x in r["checks"] if x["status"] == "fail"]
for n in ("dns", "tcp", "token", "user", "project", "duo", "websocket_cable", "websocket_dap",
          "direct_access", "ai_gateway"):
    assert c[n]["status"] == "pass", c[n]
assert c["http2"]["status"] == "pass" and "HTTP/2" in c["http2"]["detail"], c["http2"]
'
doctor SSL_CERT_FILE="$CA"
[ "$rc" = 0 ] || fail "SSL_CERT_FILE: exit $rc"
expect "$all_pass"'
assert c["tls"]["status"] == "pass" and "ca/cert.pem" in c["tls"]["detail"], c["tls"]
' "SSL_CERT_FILE"
printf '{"tls": {"ca_file": "%s"}}\n' "$CA" >"$XDG_CONFIG_HOME/duoterm/config.json"
doctor
[ "$rc" = 0 ] || fail "tls.ca_file: exit $rc"
expect "$all_pass"'
assert c["tls"]["status"] == "pass" and "ca/cert.pem" in c["tls"]["detail"], c["tls"]
' "tls.ca_file"

# 3. tls.insecure: a warning, not a pass
printf '{"tls": {"insecure": true}}\n' >"$XDG_CONFIG_HOME/duoterm/config.json"
doctor
[ "$rc" = 0 ] || fail "tls.insecure: exit $rc"
expect "$all_pass"'
t = c["tls"]
assert t["status"] == "warn", t
assert "tls.insecure" in t["detail"] and "tls.insecure" in t["fix"], t
' "tls.insecure"
doctor --text
grep -q '^WARN  *tls  *verification is off' "$work/out" || fail "tls.insecure (text): no WARN line"
rm -f "$XDG_CONFIG_HOME/duoterm/config.json"
echo ok
