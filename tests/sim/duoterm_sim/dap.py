"""GitLab Duo Agent Platform (../shared/protocols/dap.md) for tests.

  POST /api/v4/ai/duo_workflows/workflows            create a workflow (scope api)
  GET  /api/v4/ai/duo_workflows/ws                   the flow's WebSocket (scope api or ai_workflows)
  POST /api/v4/ai/duo_workflows/direct_access        token bundle (Duo availability)
  POST /api/v4/ai/third_party_agents/direct_access   AI gateway token
  GET  /api/v4/ai/duo_workflows/__sim                what the clients sent (no auth; tests only)

Scenario key "dap":
  "available": false         direct_access and workflow creation answer 403 (no Duo here)
  "create_status": N         workflow creation answers N
  "upgrade_status": N        the WebSocket upgrade is refused with HTTP N (401/403/404 ...)
  "no_upgrade": true         the upgrade answers 200 without upgrading (a proxy stripping Upgrade)
  "locked": N                the first N connections are closed at once with 1013 (lock held)
  "binary": true             actions go out as binary frames, as Workhorse sends them (default)
  "ping_interval_s": N       WebSocket pings from the server (Workhorse: 20)
  "script": [step, ...]      played across connections: each connection continues where the
                             last one stopped; a "close" step ends the connection

Steps:
  {"start": {"goal_contains": s, "approval": "approval"|"rejection"|null}}   checks the
        startRequest of the connection (a mismatch closes with 4400 and says why)
  {"action": {"runReadFile": {...}}, "expect": {"response_contains": s, "error_contains": s,
        "no_error": true}}   sends the action (a fresh requestID) and waits for its
        actionResponse (a mismatch closes with 4400)
  {"checkpoint": {"status": S, "plan": [[description, status], ...], "add": [entry, ...],
        "update": [{"message_id": id, ...fields}]}}   updates the workflow's state and sends it
  {"stream": {"message_id": id, "text": s, "pieces": N, "status": S}}   an agent message
        streamed as N checkpoints carrying the text so far
  {"close": code, "reason": s}
  {"sleep_ms": N}
"""

import asyncio
import json
import uuid

from aiohttp import WSMsgType, web

from . import http, util

WS_SCOPES = ("api", "ai_workflows")
API_SCOPES = ("api",)


class Workflow:
    def __init__(self, wid, project, body):
        self.id = wid
        self.project = project
        self.body = body
        self.status = "CREATED"
        self.chat = []
        self.plan = []
        self.cursor = 0


class Dap:
    def __init__(self, sim):
        self.sim = sim
        self.reset()

    def reset(self):
        self.workflows = {}
        self.next_id = 1000
        self.connections = 0
        self.log = []

    @property
    def conf(self):
        return self.sim.scenario.get("dap", {})

    def _token(self, request, scopes):
        t = request.headers.get("PRIVATE-TOKEN")
        if not t:
            a = request.headers.get("Authorization", "")
            if a[:7].lower() == "bearer ":
                t = a[7:].strip()
        tok = self.sim.world.token(t or "")
        if tok is None:
            return None, web.json_response({"message": "401 Unauthorized"}, status=401)
        if not set(scopes) & set(tok.get("scopes", [])):
            return None, web.json_response({
                "error": "insufficient_scope",
                "error_description": "The request requires higher privileges than provided by the access token.",
                "scope": " ".join(scopes)}, status=403)
        return tok, None

    def _unavailable(self):
        return web.json_response({"message": "403 Forbidden - GitLab Duo Agent Platform is not available "
                                             "for this project (Duo Pro or Enterprise required)"}, status=403)

    async def dispatch(self, request, path):
        if path == "/api/v4/ai/duo_workflows/__sim":
            return web.json_response({"connections": self.connections, "log": self.log,
                                      "workflows": {k: {"status": w.status, "cursor": w.cursor}
                                                    for k, w in self.workflows.items()}})
        if path == "/api/v4/ai/duo_workflows/ws":
            return await self.ws(request)
        if path == "/api/v4/ai/duo_workflows/workflows" and request.method == "POST":
            return await self.create(request)
        if path == "/api/v4/ai/duo_workflows/direct_access" and request.method == "POST":
            return await self.direct_access(request, dws=True)
        if path == "/api/v4/ai/third_party_agents/direct_access" and request.method == "POST":
            return await self.direct_access(request, dws=False)
        return None

    # ------------------------------------------------------------ REST
    async def _body(self, request):
        raw = await request.read()
        http.record_body(request, raw)
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def create(self, request):
        tok, err = self._token(request, API_SCOPES)
        if err is not None:
            return err
        body = await self._body(request)
        if body is None:
            return web.json_response({"message": "400 Bad request - body is not JSON"}, status=400)
        if self.conf.get("available", True) is False:
            return self._unavailable()
        if self.conf.get("create_status"):
            st = int(self.conf["create_status"])
            return web.json_response({"message": "%d error" % st}, status=st)
        try:
            p = self.sim.world.project(str(body.get("project_id", "")))
        except Exception:  # noqa: BLE001 - NotFound
            return web.json_response({"message": "404 Project Not Found"}, status=404)
        self.next_id += 1
        wid = str(self.next_id)
        self.workflows[wid] = Workflow(wid, p, body)
        self.log.append({"create": body})
        ns = self.sim.world.project_shape(p).get("namespace") or {}
        return web.json_response({
            "id": self.next_id, "project_id": p["id"],
            "namespace_id": ns.get("id") if isinstance(ns, dict) else None,
            "agent_privileges": body.get("agent_privileges", [1, 2, 3, 4, 5, 6]),
            "agent_privileges_names": [], "pre_approved_agent_privileges": [],
            "workflow_definition": body.get("workflow_definition", "software_development"),
            "status": "created", "environment": body.get("environment"),
            "allow_agent_to_request_user": True, "mcp_enabled": False,
            "gitlab_url": self.sim.base_url}, status=201)

    async def direct_access(self, request, dws):
        tok, err = self._token(request, ("api", "ai_features"))
        if err is not None:
            return err
        await self._body(request)
        if self.conf.get("available", True) is False:
            return self._unavailable()
        exp = 1900000000
        if not dws:
            return web.json_response({"headers": {"x-gitlab-instance-id": "sim", "x-gitlab-realm": "self-managed",
                                                  "x-gitlab-unit-primitive": "ai_gateway_model_provider_proxy",
                                                  "x-gitlab-authentication-type": "oidc"},
                                      "token": "sim-gateway-jwt", "expires_at": exp}, status=201)
        return web.json_response({
            "gitlab_rails": {"base_url": self.sim.base_url, "token": "sim-oauth-ai-workflows",
                             "token_expires_at": exp},
            "duo_workflow_service": {"base_url": "127.0.0.1:1", "token": "sim-dws-jwt", "token_expires_at": exp,
                                     "headers": {"x-gitlab-realm": "self-managed"}, "secure": False},
            "workflow_metadata": {}, "server_capabilities": ["tool_call_approval"]}, status=201)

    # ------------------------------------------------------------ the socket
    async def ws(self, request):
        conf = self.conf
        if conf.get("upgrade_status"):
            st = int(conf["upgrade_status"])
            return web.json_response({"message": "%d refused" % st}, status=st)
        if conf.get("no_upgrade") or request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=200, text="<html>a proxy that does not upgrade</html>",
                                content_type="text/html")
        tok, err = self._token(request, WS_SCOPES)
        if err is not None:
            return err
        if conf.get("available", True) is False:
            return self._unavailable()
        self.connections += 1
        hb = float(conf.get("ping_interval_s", 0)) or None
        sock = web.WebSocketResponse(autoping=True, heartbeat=hb, max_msg_size=4 * 1024 * 1024)
        await sock.prepare(request)
        try:
            await self._serve(sock, request)
        except (ConnectionError, asyncio.CancelledError):
            pass
        return sock

    async def _recv(self, sock, timeout=15):
        while True:
            msg = await sock.receive(timeout=timeout)
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                data = msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8", "replace")
                try:
                    obj = json.loads(data)
                except ValueError:
                    obj = {"_invalid": data}
                self.log.append(obj)
                if "heartbeat" in obj:
                    continue
                return obj
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                return None

    async def _send(self, sock, obj):
        text = util.dumps(obj)
        if self.conf.get("binary", True):
            await sock.send_bytes(text.encode())
        else:
            await sock.send_str(text)

    async def _close(self, sock, code, reason=""):
        self.log.append({"closed": code, "reason": reason})
        await sock.close(code=code, message=reason.encode()[:120])

    async def _serve(self, sock, request):
        if self.connections <= int(self.conf.get("locked", 0)):
            await self._close(sock, 1013, "workflow is locked by another connection")
            return
        first = await self._recv(sock)
        if not first or "startRequest" not in first:
            await self._close(sock, 4400, "the first message must be a startRequest")
            return
        start = first["startRequest"]
        wf = self.workflows.get(str(start.get("workflowID", "")))
        if wf is None:
            await self._close(sock, 4400, "unknown workflowID")
            return
        if wf.status == "INPUT_REQUIRED" and not start.get("goal") and not start.get("approval"):
            await self._close(sock, 4400, "goal is empty")
            return
        wf.status = "RUNNING"
        script = self.conf.get("script", [])
        while wf.cursor < len(script):
            step = script[wf.cursor]
            wf.cursor += 1
            stop = await self._step(sock, wf, start, step)
            if stop:
                return
        await self._close(sock, 1000)

    async def _checkpoint(self, sock, wf, status=None):
        if status:
            wf.status = status
        cp = {"channel_values": {"ui_chat_log": wf.chat,
                                 "plan": {"steps": [{"id": str(i), "description": d, "status": s}
                                                    for i, (d, s) in enumerate(wf.plan)]}}}
        await self._send(sock, {"requestID": str(uuid.uuid4()), "newCheckpoint": {
            "status": wf.status, "checkpoint": util.dumps(cp), "goal": wf.body.get("goal", ""),
            "errors": [], "agent_context_usage": {}}})

    def _entry(self, e):
        out = {"message_type": "agent", "message_sub_type": None, "content": "", "timestamp": util.iso(self.sim.world.now0),
               "status": None, "correlation_id": None, "tool_info": None, "additional_context": None,
               "message_id": str(uuid.uuid4())}
        out.update(e)
        return out

    async def _step(self, sock, wf, start, step):
        if "sleep_ms" in step:
            await asyncio.sleep(step["sleep_ms"] / 1000)
        elif "start" in step:
            return await self._check_start(sock, start, step["start"])
        elif "checkpoint" in step:
            c = step["checkpoint"]
            if "plan" in c:
                wf.plan = [list(x) for x in c["plan"]]
            for e in c.get("add", []):
                wf.chat.append(self._entry(e))
            for u in c.get("update", []):
                for e in wf.chat:
                    if e["message_id"] == u["message_id"]:
                        e.update(u)
            await self._checkpoint(sock, wf, c.get("status"))
        elif "stream" in step:
            s = step["stream"]
            e = self._entry({"message_type": "agent", "message_id": s["message_id"], "content": ""})
            wf.chat.append(e)
            text, n = s["text"], max(1, int(s.get("pieces", 3)))
            for k in range(1, n + 1):
                e["content"] = text[:len(text) * k // n]
                await self._checkpoint(sock, wf, s.get("status", "RUNNING"))
        elif "action" in step:
            return await self._action(sock, step)
        elif "close" in step:
            await self._close(sock, int(step["close"]), step.get("reason", ""))
            return True
        return False

    async def _check_start(self, sock, start, want):
        why = None
        if want.get("goal_contains") and want["goal_contains"] not in start.get("goal", ""):
            why = "goal lacks %r" % want["goal_contains"]
        ap = start.get("approval") or {}
        if "approval" in want:
            got = "approval" if "approval" in ap else "rejection" if "rejection" in ap else None
            if got != want["approval"]:
                why = "approval %r expected, got %r" % (want["approval"], got)
        if why:
            await self._close(sock, 4400, why)
            return True
        return False

    async def _action(self, sock, step):
        rid = str(uuid.uuid4())
        msg = {"requestID": rid}
        msg.update(step["action"])
        await self._send(sock, msg)
        try:
            got = await self._recv(sock, timeout=float(step.get("timeout_s", 20)))
        except asyncio.TimeoutError:
            await self._close(sock, 4400, "no actionResponse")
            return True
        if got is None:
            return True
        resp = got.get("actionResponse") or {}
        if resp.get("requestID") != rid:
            await self._close(sock, 4400, "actionResponse for another requestID")
            return True
        body = resp.get("plainTextResponse") or resp.get("scheduleNotificationResponse") or {}
        exp = step.get("expect", {})
        why = None
        text, err = str(body.get("response", "")), str(body.get("error", ""))
        if exp.get("response_contains") and exp["response_contains"] not in text:
            why = "response lacks %r" % exp["response_contains"]
        if exp.get("error_contains") and exp["error_contains"] not in err:
            why = "error lacks %r" % exp["error_contains"]
        if exp.get("no_error") and err:
            why = "unexpected error %r" % err[:80]
        if why:
            await self._close(sock, 4400, why)
            return True
        return False
