"""OAuth 2 authorization code + PKCE (S256), as GitLab's Doorkeeper plays it.

Scenario key "oauth": {"applications": [{"client_id", "secret" (optional: a
confidential app), "redirect_uri"}], "user": "<username>", "scopes": ["api"],
"expires_in": 7200, "rotate_refresh": true (each refresh token is single
use), "omit_refresh_on_refresh": false (answer a refresh without a new
refresh_token)}.  /oauth/authorize approves at once as "user" (no sign-in page)
and redirects to redirect_uri?code=..&state=..; /oauth/token answers
authorization_code and refresh_token grants.  Access tokens are added to the
world's tokens, so the API accepts them as Bearer tokens; an access token can be
expired on purpose with the control action {"type":"oauth_expire"}."""

import base64
import hashlib
import secrets
import time
import urllib.parse

from aiohttp import web

from . import http


def _conf(sim):
    return sim.scenario.get("oauth") or {}


def _app(sim, client_id):
    for a in _conf(sim).get("applications", []):
        if a.get("client_id") == client_id:
            return a
    return None


def _err(status, error, desc):
    return web.json_response({"error": error, "error_description": desc}, status=status)


async def authorize(request, sim):
    q = request.rel_url.query
    app = _app(sim, q.get("client_id", ""))
    if not app:
        return _err(401, "invalid_client", "Client authentication failed due to unknown client.")
    if q.get("redirect_uri") != app.get("redirect_uri"):
        return _err(400, "invalid_redirect_uri", "The redirect uri included is not valid.")
    if q.get("response_type") != "code" or q.get("code_challenge_method") != "S256" \
            or not q.get("code_challenge"):
        return _err(400, "invalid_request", "PKCE S256 and response_type=code are required.")
    code = secrets.token_hex(16)
    sim.oauth_codes[code] = {"client_id": app["client_id"], "redirect_uri": q["redirect_uri"],
                             "challenge": q["code_challenge"], "scope": q.get("scope", "api")}
    loc = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
    raise web.HTTPFound(loc)


def _issue(sim, client_id, scope, refresh=True):
    conf = _conf(sim)
    access = "oat-" + secrets.token_hex(16)
    sim.world.tokens[access] = {"token": access, "user": conf.get("user", "dana"),
                                "scopes": conf.get("scopes", scope.split()), "name": "oauth"}
    body = {"access_token": access, "token_type": "Bearer",
            "expires_in": conf.get("expires_in", 7200), "scope": scope,
            "created_at": int(time.time())}
    if refresh:
        rt = "ort-" + secrets.token_hex(16)
        sim.oauth_refresh[rt] = {"client_id": client_id, "scope": scope, "access": access}
        body["refresh_token"] = rt
    sim.oauth_stats["issued"] += 1
    return body


async def token(request, sim):
    raw = await request.read()
    http.record_body(request, raw)
    form = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
    app = _app(sim, form.get("client_id", ""))
    if not app or (app.get("secret") and form.get("client_secret") != app["secret"]):
        return _err(401, "invalid_client", "Client authentication failed.")
    grant = form.get("grant_type")
    if grant == "authorization_code":
        c = sim.oauth_codes.pop(form.get("code", ""), None)
        if not c or c["client_id"] != app["client_id"] or c["redirect_uri"] != form.get("redirect_uri"):
            return _err(400, "invalid_grant", "The provided authorization grant is invalid.")
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != c["challenge"]:
            return _err(400, "invalid_grant", "The code verifier does not match the challenge.")
        return web.json_response(_issue(sim, app["client_id"], c["scope"]))
    if grant == "refresh_token":
        conf = _conf(sim)
        rt = form.get("refresh_token", "")
        r = sim.oauth_refresh.get(rt)
        if not r or r["client_id"] != app["client_id"]:
            return _err(400, "invalid_grant", "The refresh token is invalid.")
        sim.oauth_stats["refreshes"] += 1
        omit = conf.get("omit_refresh_on_refresh", False)
        if conf.get("rotate_refresh", True) and not omit:
            del sim.oauth_refresh[rt]
        sim.world.tokens.pop(r["access"], None)
        body = _issue(sim, app["client_id"], r["scope"], refresh=not omit)
        if omit:
            r["access"] = body["access_token"]
        return web.json_response(body)
    return _err(400, "unsupported_grant_type", "The authorization grant type is not supported.")


def expire_all(sim):
    """Control: every OAuth access token stops working (refresh tokens stay)."""
    n = 0
    for t in list(sim.world.tokens):
        if t.startswith("oat-"):
            sim.world.tokens[t]["expired"] = True
            n += 1
    return n


async def handle(request, sim, path):
    if not hasattr(sim, "oauth_codes"):
        sim.oauth_codes, sim.oauth_refresh = {}, {}
        sim.oauth_stats = {"issued": 0, "refreshes": 0}
    if path == "/oauth/authorize" and request.method == "GET":
        return await authorize(request, sim)
    if path == "/oauth/token" and request.method == "POST":
        return await token(request, sim)
    return None
