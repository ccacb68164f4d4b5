#!/bin/sh
# The GitLab AI gateway provider end to end (issue #6; protocols/dap.md §10):
# `duoterm run --provider gitlab` against the simulator's gateway
# (tests/sim/duoterm_sim/gateway.py, scenarios/agent-gateway.json).
#  - the direct-access token is fetched with the GitLab token, and every
#    proxy call carries it with the returned headers verbatim (the simulator
#    refuses a call with any header missing or changed);
#  - duo-chat-* names are mapped: duo-chat-sonnet-4-5 goes to the Anthropic
#    proxy path as claude-sonnet-4-5-20250929, duo-chat-gpt-5-mini to the
#    OpenAI one as gpt-5-mini-2025-08-07; a Responses-API model is refused
#    with a clear error before anything is sent;
#  - refresh before expiry: a token within two minutes of its expiry is not
#    used (tokens here live 121 s, and the first reply takes 2.1 s);
#  - refresh on 401: each token is revoked after one call; the next call
#    gets 401, and the client fetches a new token and sends it again, once;
#  - no token reaches the output, the journal or the audit log.
. "$(dirname "$0")/agent-lib.sh"

start_sim agent-gateway.json
export GITLAB_AI_GATEWAY_URL=$URL

# gw_calls FILE: the gateway's record (tokens issued, proxy calls)
gw_calls() {
	$PY - "$URL" "$1" <<'PY' || fail "cannot read /ai/__sim"
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/ai/__sim", timeout=10) as r:
    json.dump(json.load(r), open(sys.argv[2], "w"))
PY
}

dt "$work/out-gw.json" run --json --provider gitlab --model duo-chat-sonnet-4-5 \
	"[gw] read the ring buffer"
[ "$rc" -eq 0 ] || fail "gateway run: exit $rc: $(tail -n 3 "$work/out-gw.json") $(cat "$work/out-gw.json.err")"
check_run "$work/out-gw.json"
gw_calls "$work/gw.json"
sim_requests "$work/reqs.json"
$PY - "$work/gw.json" "$work/reqs.json" "$work/out-gw.json" <<'PY' || fail "gateway: $(cat "$work/gw.json")"
import json, sys
gw = json.load(open(sys.argv[1]))
reqs = json.load(open(sys.argv[2]))
ev = [json.loads(l) for l in open(sys.argv[3])]
calls = [(c["status"], c["token_n"]) for c in gw["calls"]]
# 1: token 1; 2: token 1 is 2 s old and within the margin: token 2;
# 3: token 2 was revoked after one call: 401, token 3, the same request again
assert calls == [(200, 1), (200, 2), (401, 2), (200, 3)], gw["calls"]
assert gw["issued"] == 3, gw
assert all(c["path"] == "/ai/v1/proxy/anthropic/v1/messages" for c in gw["calls"]), gw["calls"]
assert {c["model"] for c in gw["calls"] if c["status"] == 200} == {"claude-sonnet-4-5-20250929"}, gw
da = [r for r in reqs if r["path"] == "/api/v4/ai/third_party_agents/direct_access"]
assert len(da) == 3 and all(r["method"] == "POST" and r["status"] == 201 for r in da), da
proxied = [r for r in reqs if r["path"].startswith("/ai/v1/proxy/")]
assert [r["status"] for r in proxied] == [200, 200, 401, 200], proxied
# the retried request is the same request
assert proxied[2]["body"] == proxied[3]["body"], "the request after the 401 differs"
text = "".join(e["delta"] for e in ev if e["type"] == "text")
assert "GATEWAY-DONE" in text and ev[-1] == {"type": "done", "outcome": "done"}, (text, ev[-1])
tools = [e for e in ev if e["type"] == "tool" and e["status"] == "success"]
assert [t["name"] for t in tools] == ["read_file", "read_file"], tools
PY

# the OpenAI side of the gateway
dt "$work/out-gwo.json" run --json --provider gitlab --model duo-chat-gpt-5-mini \
	"[gw-openai] say hello"
[ "$rc" -eq 0 ] || fail "gateway openai: exit $rc: $(tail -n 3 "$work/out-gwo.json")"
check_run "$work/out-gwo.json"
gw_calls "$work/gw.json"
$PY - "$work/gw.json" "$work/out-gwo.json" <<'PY' || fail "gateway openai: $(cat "$work/gw.json")"
import json, sys
gw = json.load(open(sys.argv[1]))
ev = [json.loads(l) for l in open(sys.argv[2])]
last = gw["calls"][-1]
assert last == {"path": "/ai/v1/proxy/openai/v1/chat/completions", "status": 200, "token_n": 4,
                "model": "gpt-5-mini-2025-08-07", "why": None}, last
assert "GATEWAY-OPENAI-DONE" in "".join(e["delta"] for e in ev if e["type"] == "text")
PY

# a duo-chat model the gateway's chat-completions path cannot serve
dt "$work/out-gwx.json" run --json --provider gitlab --model duo-chat-gpt-5-codex "[gw-openai] hi"
[ "$rc" -eq 1 ] || fail "a Responses-API model: exit $rc, want 1: $(tail -n 3 "$work/out-gwx.json")"
grep -q 'duo-chat-gpt-5-codex' "$work/out-gwx.json" "$work/out-gwx.json.err" ||
	fail "the error does not name the model: $(cat "$work/out-gwx.json" "$work/out-gwx.json.err")"
gw_calls "$work/gw.json"
$PY -c 'import json,sys; g=json.load(open(sys.argv[1])); assert len(g["calls"]) == 5, g' \
	"$work/gw.json" || fail "a request went out for a model that cannot work"

# no gateway token anywhere it should not be
for f in "$work"/out-gw*.json "$work"/out-gw*.json.err; do
	grep -q 'sim-gw-jwt' "$f" && fail "a gateway token reached $f"
done
grep -rq 'sim-gw-jwt' "$STATE" && fail "a gateway token reached $(grep -rl 'sim-gw-jwt' "$STATE")"
echo ok
