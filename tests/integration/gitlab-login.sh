#!/bin/sh
# Signing in, against the simulator:
#  - `duoterm login --token-stdin`: validated, user and scopes shown, the
#    token never printed, stored 0600 (atomically: no temporary file left),
#    used by `duoterm status`; a wrong token changes nothing;
#  - `duoterm logout` removes the entry;
#  - `duoterm login --oauth` end to end: PKCE S256 (the sim checks the
#    verifier against the challenge), state, the loopback callback (served
#    on the net thread, net/listen.c) opened by $BROWSER (a script that
#    fetches the URL with curl); a callback with the wrong state is refused
#    (400) and the wait goes on; a second callback after the first is
#    ignored (409) and no second code is exchanged; error= from GitLab is
#    shown and ends the sign-in; a port in use is explained;
#  - the refresher (tests/tools/gitlab-client.c oauth): 401 on three calls at
#    once -> exactly one refresh, the calls replayed; the rotated refresh
#    token is saved (a second refresh works, the old one is refused by the
#    sim); with omit_refresh_on_refresh the old refresh token is kept; and
#    a token close to expiry is refreshed before it expires.
. "$(dirname "$0")/gitlab-lib.sh"
build_driver
CREDS=$XDG_CONFIG_HOME/duoterm/credentials.json
CBPORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

scenario oauth "{\"extends\": \"static.json\", \"oauth\": {\"applications\": [{\"client_id\": \"dt-test-app\",
 \"redirect_uri\": \"http://127.0.0.1:$CBPORT/callback\"}], \"user\": \"dana\", \"scopes\": [\"api\"],
 \"expires_in\": 7200, \"rotate_refresh\": true}}"
start_sim "$work/oauth.json"
"$SRCDIR/tests/sim/make-demo-repo" "$work/repo" "$URL" >/dev/null 2>&1 || fail "make-demo-repo"

# ---- personal access token from stdin
echo glpat-wrong-0123456789 | "$BIN" login --token-stdin --instance "$URL" >"$work/o" 2>&1 &&
	fail "a wrong token was accepted"
grep -q "glpat-wrong" "$work/o" && fail "the wrong token was printed"
[ -e "$CREDS" ] && fail "a wrong token was stored"
echo $TOKEN | "$BIN" login --token-stdin --instance "$URL" >"$work/o" 2>&1 || fail "login: $(cat "$work/o")"
grep -q "@dana" "$work/o" || fail "no user: $(cat "$work/o")"
grep -q "api" "$work/o" || fail "no scopes: $(cat "$work/o")"
grep -q glpat-demo "$work/o" && fail "the token was printed"
[ "$(stat -c %a "$CREDS")" = 600 ] || fail "mode $(stat -c %a "$CREDS")"
[ "$(ls -A "$(dirname "$CREDS")")" = credentials.json ] || fail "left over: $(ls -A "$(dirname "$CREDS")")"
$PY - "$CREDS" "$URL" <<'PY' || fail "credentials file"
import json, sys
e = json.load(open(sys.argv[1]))["instances"][sys.argv[2]]
assert e["token"] == "glpat-demo-0000000000000000" and e["type"] == "pat" and e["user"] == "dana", e
PY
(cd "$work/repo" && GITLAB_INSTANCE_URL=$URL "$BIN" status --json) >"$work/st" 2>&1 || fail "status with the stored token: $(cat "$work/st")"
grep -q '"username":"dana"' "$work/st" || fail "status: $(cat "$work/st")"

# ---- logout
GITLAB_INSTANCE_URL=$URL "$BIN" logout >"$work/o" 2>&1 || fail "logout: $(cat "$work/o")"
grep -q "Signed out" "$work/o" || fail "logout said: $(cat "$work/o")"
grep -q glpat-demo "$CREDS" && fail "logout left the token"
GITLAB_INSTANCE_URL=$URL "$BIN" logout >"$work/o" 2>&1 || fail "second logout"
grep -q "nothing to remove" "$work/o" || fail "second logout said: $(cat "$work/o")"

# ---- OAuth, end to end
cat >"$work/browser" <<'B'
#!/bin/sh
exec curl -s -o /dev/null -L --max-time 10 "$1"
B
chmod +x "$work/browser"
BROWSER=$work/browser GITLAB_OAUTH_APP_ID=dt-test-app timeout 30 "$BIN" login --oauth --port "$CBPORT" \
	--instance "$URL" >"$work/o" 2>&1 || fail "login --oauth: $(cat "$work/o")"
grep -q "@dana" "$work/o" || fail "oauth login: $(cat "$work/o")"
grep -q -e "oat-" -e "ort-" "$work/o" && fail "an OAuth token was printed"
[ "$(stat -c %a "$CREDS")" = 600 ] || fail "mode after OAuth"
reqs "$work/r" '^/oauth/'
$PY - "$CREDS" "$URL" "$work/r" <<'PY' || fail "OAuth flow"
import base64, hashlib, json, sys, time
e = json.load(open(sys.argv[1]))["instances"][sys.argv[2]]
assert e["type"] == "oauth" and e["token"].startswith("oat-") and e["refresh_token"].startswith("ort-"), e
assert e["client_id"] == "dt-test-app" and abs(e["expires_at"] - time.time() - 7200) < 60, e
r = json.load(open(sys.argv[3]))
auth = [x for x in r if x["path"] == "/oauth/authorize"]
tok = [x for x in r if x["path"] == "/oauth/token"]
assert len(auth) == 1 and len(tok) == 1 and tok[0]["status"] == 200, r
q = dict(auth[0]["query"]) if not isinstance(auth[0]["query"], dict) else auth[0]["query"]
assert q["code_challenge_method"] == "S256" and q["response_type"] == "code", q
assert len(q["state"]) >= 16, q
import urllib.parse
form = dict(urllib.parse.parse_qsl(tok[0]["body"]))
v = form["code_verifier"]
assert 43 <= len(v) <= 128, v
assert base64.urlsafe_b64encode(hashlib.sha256(v.encode()).digest()).rstrip(b"=").decode() == q["code_challenge"]
assert form["grant_type"] == "authorization_code", form
json.dump(e, open(sys.argv[1] + ".first", "w"))
PY

# ---- refresh on 401, one at a time, rotation saved
refresh_round() { # $1: label
	curl -s -X POST -d '{"type":"oauth_expire"}' "$URL/__sim/push" >/dev/null
	sim_reset_keep=1
	"$DRV" "$URL" - oauth "$CREDS" 3 /user >"$work/o.$1" 2>"$work/e.$1" || fail "$1: $(cat "$work/e.$1" "$work/o.$1")"
}
cp "$CREDS" "$work/before1"
curl -s -X POST "$URL/__sim/reset" >/dev/null  # forget requests (tokens and refresh tokens stay? checked below)
refresh_round r1
reqs "$work/r1" '^/(oauth/token|api/v4/user)$'
$PY - "$work/o.r1" "$work/r1" "$work/before1" "$CREDS" "$URL" <<'PY' || fail "refresh on 401"
import json, sys, urllib.parse
out = [json.loads(l) for l in open(sys.argv[1])]
r = json.load(open(sys.argv[2]))
before = json.load(open(sys.argv[3]))["instances"][sys.argv[5]]
after = json.load(open(sys.argv[4]))["instances"][sys.argv[5]]
calls = [o for o in out if o["tag"] == "oauth"]
assert len(calls) == 3 and all(o["status"] == 200 for o in calls), out
assert out[-1]["refreshes"] == 1, out[-1]
tok = [x for x in r if x["path"] == "/oauth/token"]
assert len(tok) == 1, ("one refresh at a time", len(tok))
form = dict(urllib.parse.parse_qsl(tok[0]["body"]))
assert form["grant_type"] == "refresh_token" and form["refresh_token"] == "[present]" or form["refresh_token"] == before["refresh_token"], form
assert after["token"] != before["token"] and after["refresh_token"] != before["refresh_token"], "not rotated"
user = [x for x in r if x["path"] == "/api/v4/user"]
assert [x["status"] for x in user].count(401) == 3 and [x["status"] for x in user].count(200) == 3, user
PY
# the rotated refresh token was saved: a second refresh works
refresh_round r2
grep -q '"refreshes":1' "$work/o.r2" || fail "second refresh: $(cat "$work/o.r2")"
# and the old one is spent (the sim refuses it)
$PY - "$work/before1" "$URL" <<'PY' || fail "the old refresh token still works"
import json, sys, urllib.parse, urllib.request, urllib.error
e = json.load(open(sys.argv[1]))["instances"][sys.argv[2]]
data = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": e["refresh_token"],
                               "client_id": "dt-test-app"}).encode()
try:
    urllib.request.urlopen(sys.argv[2] + "/oauth/token", data, timeout=5)
    sys.exit(1)
except urllib.error.HTTPError as err:
    assert err.code == 400, err.code
PY
stop_sim

# ---- omit_refresh_on_refresh: the old refresh token is kept; refresh ahead of expiry
scenario omit "{\"extends\": \"static.json\", \"oauth\": {\"applications\": [{\"client_id\": \"dt-test-app\",
 \"redirect_uri\": \"http://127.0.0.1:$CBPORT/callback\"}], \"user\": \"dana\", \"scopes\": [\"api\"],
 \"expires_in\": 302, \"omit_refresh_on_refresh\": true}}"
start_sim "$work/omit.json"
rm -f "$CREDS"
BROWSER=$work/browser GITLAB_OAUTH_APP_ID=dt-test-app timeout 30 "$BIN" login --oauth --port "$CBPORT" \
	--instance "$URL" >"$work/o" 2>&1 || fail "login --oauth (2): $(cat "$work/o")"
cp "$CREDS" "$work/before2"
# expires in 302 s: due 300 s ahead, so in about 2 s; the new token again
"$DRV" "$URL" - oauth-wait "$CREDS" 5 >"$work/o.w" 2>"$work/e.w" || fail "oauth-wait: $(cat "$work/e.w")"
$PY - "$work/o.w" "$work/before2" "$CREDS" "$URL" <<'PY' || fail "refresh before expiry / omit"
import json, sys
out = json.loads(open(sys.argv[1]).readline())
before = json.load(open(sys.argv[2]))["instances"][sys.argv[4]]
after = json.load(open(sys.argv[3]))["instances"][sys.argv[4]]
assert 1 <= out["refreshes"] <= 3, out
assert after["token"] != before["token"], "not refreshed"
assert after["refresh_token"] == before["refresh_token"], "the refresh token was lost"
PY
stop_sim

# ---- the callback server: wrong state, a second callback, error=, port in use
# (100 ms of latency: the token exchange is still running when the browser
# sends the callback a second time)
start_sim "$work/oauth.json" --latency-ms 100
rm -f "$CREDS"
cat >"$work/browser2" <<B
#!/bin/sh
cb=\$($PY -c 'import sys, urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["redirect_uri"][0])' "\$1")
curl -s -o "$work/wrong.html" -w '%{http_code}' "\$cb?code=stolen&state=forged" >"$work/wrong.status"
final=\$(curl -s -o /dev/null -L -w '%{url_effective}' --max-time 10 "\$1")
curl -s -o "$work/again.html" -w '%{http_code}' "\$final" >"$work/again.status"
B
chmod +x "$work/browser2"
BROWSER=$work/browser2 GITLAB_OAUTH_APP_ID=dt-test-app timeout 30 "$BIN" login --oauth --port "$CBPORT" \
	--instance "$URL" >"$work/o" 2>&1 || fail "login --oauth (3): $(cat "$work/o")"
grep -q "@dana" "$work/o" || fail "oauth login (3): $(cat "$work/o")"
[ "$(cat "$work/wrong.status")" = 400 ] || fail "wrong state answered $(cat "$work/wrong.status")"
grep -q "refused" "$work/wrong.html" || fail "wrong state page: $(cat "$work/wrong.html")"
grep -q "wrong state was refused; still waiting" "$work/o" || fail "wrong state not reported: $(cat "$work/o")"
i=0; while [ ! -s "$work/again.status" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
[ "$(cat "$work/again.status")" = 409 ] || fail "second callback answered $(cat "$work/again.status")"
grep -q "ignored" "$work/o" || fail "second callback not reported: $(cat "$work/o")"
reqs "$work/r3" '^/oauth/token$'
$PY - "$work/r3" <<'PY' || fail "the second callback's code was exchanged"
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1, r
assert "stolen" not in json.dumps(r), r
PY
# GitLab's error=: shown as GitLab gave it, exit 1, nothing stored
rm -f "$CREDS"
cat >"$work/browser3" <<B
#!/bin/sh
cb=\$($PY -c 'import sys, urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["redirect_uri"][0])' "\$1")
curl -s -o "$work/denied.html" -w '%{http_code}' "\$cb?error=access_denied&error_description=The+resource+owner+denied+the+request%2E" >"$work/denied.status"
B
chmod +x "$work/browser3"
BROWSER=$work/browser3 GITLAB_OAUTH_APP_ID=dt-test-app timeout 30 "$BIN" login --oauth --port "$CBPORT" \
	--instance "$URL" >"$work/o" 2>&1 && fail "a denied sign-in succeeded"
grep -q "GitLab said access_denied: The resource owner denied the request." "$work/o" ||
	fail "error= not shown: $(cat "$work/o")"
[ "$(cat "$work/denied.status")" = 400 ] || fail "denied answered $(cat "$work/denied.status")"
[ -e "$CREDS" ] && fail "a denied sign-in stored something"
# the port taken: explained
$PY -c 'import socket, sys, time; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); time.sleep(5)' "$CBPORT" &
busy=$!
sleep 0.3
GITLAB_OAUTH_APP_ID=dt-test-app timeout 30 "$BIN" login --oauth --port "$CBPORT" --instance "$URL" \
	>"$work/o" 2>&1 && fail "login with the port taken succeeded"
kill "$busy" 2>/dev/null
grep -q "cannot listen on 127.0.0.1:$CBPORT: Address already in use (use --port)" "$work/o" || fail "port in use: $(cat "$work/o")"
grep -rq -e "oat-" -e "ort-" -e glpat-demo "$work/audit.jsonl" && fail "a token reached the audit log"
echo ok
