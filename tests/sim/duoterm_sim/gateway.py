"""The GitLab AI gateway's direct path (../shared/protocols/dap.md section 10) for tests.

  POST /api/v4/ai/third_party_agents/direct_access   a gateway token: {"token", "headers", "expires_at"}
  POST /ai/v1/proxy/anthropic/v1/messages            Anthropic Messages, through the gateway
  POST /ai/v1/proxy/openai/v1/chat/completions       OpenAI chat completions, through the gateway
  GET  /ai/v1/proxy/openai/v1/models                 the OpenAI-side models the gateway allows
  GET  /ai/__sim                                     tokens issued and proxy calls seen (tests only)

A proxy call must carry "Authorization: Bearer <token>" for a token that is
known, not expired and not revoked (else 401, as the gateway answers a bad
or expired JWT), every header the direct-access answer listed with exactly
its value (else 401 for the auth-type and realm headers, 400 for the rest),
no x-api-key (the reference client strips it), anthropic-version on the
Anthropic path, and a "model" from the gateway's allowed list (else 400
"Unsupported model").  The replies are the scripted model's (model.py), in
the same recorded stream shapes.

Scenario key "gateway":
  "expires_in": N      seconds a token lives (default 1800); a short one makes
                       the client refresh before expiry
  "revoke_after": N    a token answers 401 from its (N+1)th proxy call on, as
                       a revoked token does: the client must fetch a new one
  "models": [ids]      the upstream model ids allowed (default: the mapping's)
  "available": false   direct access answers 403 (no Duo for this user; so does
                       the "dap" key's "available": false)
"""

import json
import time

from aiohttp import web

from . import http, util

_ALLOWED = ("claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101",
            "claude-sonnet-4-6", "claude-opus-4-6", "gpt-5.1-2025-11-13", "gpt-5-mini-2025-08-07")
_SCOPES = ("api", "ai_features")
# the public cloud-connector headers, the unit primitive and the auth type;
# values with spaces and commas so that "verbatim" means something
_HEADERS = {
    "x-gitlab-instance-id": "2f1a5b8e-sim-instance",
    "x-gitlab-realm": "self-managed",
    "x-gitlab-global-user-id": "Zk9vQmFy+/sim==",
    "x-gitlab-host-name": "gitlab.sim.example",
    "x-gitlab-version": "18.6.0-ee",
    "x-gitlab-feature-enablement-type": "duo_enterprise",
    "x-gitlab-enabled-feature-flags": "expanded_ai_logging, duo_agent_platform",
    "x-gitlab-enabled-instance-verbose-ai-logs": "false",
    "X-Gitlab-Is-Team-Member": "false",
    "x-gitlab-root-namespace-id": "42",
    "x-gitlab-unit-primitive": "ai_gateway_model_provider_proxy",
    "x-gitlab-authentication-type": "oidc",
}
_AUTH_HEADERS = ("x-gitlab-authentication-type", "x-gitlab-realm", "x-gitlab-instance-id")


class Gateway:
    def __init__(self, sim):
        self.sim = sim
        self.reset()

    def reset(self):
        self.tokens = {}  # token -> {"expires_at", "uses", "n"}
        self.issued = 0
        self.calls = []   # [{"path", "status", "token_n", "model", "why"}]

    @property
    def conf(self):
        return self.sim.scenario.get("gateway", {})

    async def dispatch(self, request, path):
        if path == "/api/v4/ai/third_party_agents/direct_access" and request.method == "POST":
            return await self.direct_access(request)
        if path == "/ai/__sim":
            return web.json_response({"issued": self.issued, "calls": self.calls})
        if path == "/ai/v1/proxy/anthropic/v1/messages" and request.method == "POST":
            return await self.proxy(request, "anthropic")
        if path == "/ai/v1/proxy/openai/v1/chat/completions" and request.method == "POST":
            return await self.proxy(request, "openai")
        if path == "/ai/v1/proxy/openai/v1/models" and request.method == "GET":
            return await self.models(request)
        if path.startswith("/ai/"):
            return web.json_response({"detail": "Not Found"}, status=404)
        return None

    # ------------------------------------------------------------ the token
    async def direct_access(self, request):
        a = request.headers.get("Authorization", "")
        t = request.headers.get("PRIVATE-TOKEN") or (a[7:].strip() if a[:7].lower() == "bearer " else "")
        tok = self.sim.world.token(t)
        if tok is None:
            return web.json_response({"message": "401 Unauthorized"}, status=401)
        if not set(_SCOPES) & set(tok.get("scopes", [])):
            return web.json_response({"error": "insufficient_scope", "scope": " ".join(_SCOPES)},
                                     status=403)
        raw = await request.read()
        http.record_body(request, raw)
        dap = self.sim.scenario.get("dap", {})  # "no Duo here" covers this too
        if self.conf.get("available", dap.get("available", True)) is False:
            return web.json_response({"message": "403 Forbidden - direct access is not available "
                                                 "for this user"}, status=403)
        self.issued += 1
        token = "sim-gw-jwt-%d-%s" % (self.issued, util.token_id("gw:%d:%f" % (self.issued, time.time()), 24))
        expires = int(time.time()) + int(self.conf.get("expires_in", 1800))
        self.tokens[token] = {"expires_at": expires, "uses": 0, "n": self.issued}
        return web.json_response({"headers": dict(_HEADERS), "token": token, "expires_at": expires},
                                 status=201)

    # ------------------------------------------------------------ the proxy
    def _refuse(self, request, status, why, token_n=None, model=None):
        self.calls.append({"path": request.path, "status": status, "token_n": token_n,
                           "model": model, "why": why})
        return web.json_response({"detail": why}, status=status)

    def _check_auth(self, request, flavour):
        """None when the headers are right, else (status, why, token_n)."""
        a = request.headers.get("Authorization", "")
        t = self.tokens.get(a[7:].strip()) if a[:7].lower() == "bearer " else None
        if t is None:
            return 401, "Forbidden by auth provider", None
        if time.time() >= t["expires_at"]:
            return 401, "the token has expired", t["n"]
        revoke = self.conf.get("revoke_after")
        t["uses"] += 1
        if revoke is not None and t["uses"] > int(revoke):
            return 401, "the token was revoked", t["n"]
        for name, value in _HEADERS.items():
            got = request.headers.get(name)
            if got != value:
                status = 401 if name in _AUTH_HEADERS else 400
                return status, "header %s: want %r, got %r" % (name, value, got), t["n"]
        if "x-api-key" in request.headers:
            return 400, "x-api-key is not accepted here", t["n"]
        if flavour == "anthropic" and not request.headers.get("anthropic-version"):
            return 400, "anthropic-version is missing", t["n"]
        return None, None, t["n"]

    async def proxy(self, request, flavour):
        raw = await request.read()
        http.record_body(request, raw)
        status, why, n = self._check_auth(request, flavour)
        if status:
            return self._refuse(request, status, why, n)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return self._refuse(request, 400, "the body is not JSON", n)
        model = body.get("model") if isinstance(body, dict) else None
        allowed = self.conf.get("models", _ALLOWED)
        if model not in allowed:
            return self._refuse(request, 400, "Unsupported model", n, model)
        self.calls.append({"path": request.path, "status": 200, "token_n": n, "model": model,
                           "why": None})
        request["sim_gateway_ok"] = True
        if flavour == "anthropic":
            return await self.sim.model.messages(request)
        return await self.sim.model.chat_completions(request)

    async def models(self, request):
        status, why, n = self._check_auth(request, "openai")
        if status:
            return self._refuse(request, status, why, n)
        ids = [m for m in self.conf.get("models", _ALLOWED) if not m.startswith("claude")]
        return web.json_response({"object": "list", "data": [
            {"id": m, "object": "model", "created": 1748858400, "owned_by": "gitlab"} for m in ids]})
