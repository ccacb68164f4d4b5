"""ActionCable on /-/cable, as GitLab (Rails) speaks it.

  server -> {"type":"welcome"}, then {"type":"ping","message":<unix s>} every
  ping_interval_s; subscribe to GraphqlChannel -> the query's initial result
  {"result":{"data":{"<field>":null}},"more":true} and {"identifier":...,
  "type":"confirm_subscription"} (GitLab's GraphqlChannel transmits the initial
  result from its `subscribed` callback, so it goes out before the
  confirmation; "initial_before_confirm": false flips that); channels listed
  in "reject_channels" -> reject_subscription; any other channel class -> no
  reply at all (Rails 6.1 only logs "Subscription class not found"); bad or
  missing token -> {"type":"disconnect","reason":"unauthorized",
  "reconnect":false} and close.

Pushes go to GraphqlChannel subscriptions whose subscription field (the first
field of the query's selection) and variables match: scenario "pushes"
(relative to the subscription), /__sim/push, and world changes (job and
pipeline status -> ciJobStatusUpdated / ciPipelineStatusUpdated).
"""

import asyncio
import json
import re
import time

from aiohttp import WSMsgType, web

from . import util

_FIELD = re.compile(r"\bsubscription\b[^{]*\{\s*(\w+)")
_GID_NUM = re.compile(r"(\d+)$")


def _gid_num(v):
    m = _GID_NUM.search(str(v))
    return int(m.group(1)) if m else None


class Sub:
    def __init__(self, ws, identifier, field, variables):
        self.ws = ws
        self.identifier = identifier
        self.field = field
        self.variables = variables or {}
        self.tasks = []

    def matches(self, field, variables):
        if field and field != self.field:
            return False
        for k, v in (variables or {}).items():
            mine = self.variables.get(k)
            if mine == v:
                continue
            if mine is not None and _gid_num(mine) is not None and _gid_num(mine) == _gid_num(v):
                continue
            return False
        return True


class Cable:
    def __init__(self, sim):
        self.sim = sim
        self.subs = []
        self.sockets = set()
        self.closing = False
        sim.world.listeners.append(self.on_world_change)

    @property
    def conf(self):
        return self.sim.scenario.get("cable", {})

    def _token(self, request):
        a = request.headers.get("Authorization", "")
        if a[:7].lower() == "bearer ":
            return a[7:].strip()
        return request.rel_url.query.get("token") or request.headers.get("PRIVATE-TOKEN")

    async def handle(self, request):
        conf = self.conf
        if conf.get("require_origin"):
            origin = request.headers.get("Origin", "")
            if origin.rstrip("/") != self.sim.origin:
                return web.Response(status=404, text="Request origin not allowed\n")
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return web.Response(status=404, text="Page not found: /-/cable\n")
        token = self._token(request)
        ok = bool(token and self.sim.world.token(token)) or (not token and conf.get("allow_anonymous", False))
        ws = web.WebSocketResponse(protocols=("actioncable-v1-json",), compress=False, autoping=True)
        await ws.prepare(request)
        self.sockets.add(ws)
        ping_task = None
        try:
            if not ok:
                await ws.send_str(util.dumps({"type": "disconnect", "reason": "unauthorized", "reconnect": False}))
                await ws.close()
                return ws
            await ws.send_str(util.dumps({"type": "welcome"}))
            ping_task = asyncio.ensure_future(self._pinger(ws))
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._command(ws, msg.data)
                elif msg.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                    break
            if self.closing and not ws.closed:
                await ws.close(code=1001, message=b"server shutting down")
        finally:
            if ping_task:
                ping_task.cancel()
            for s in [s for s in self.subs if s.ws is ws]:
                self._drop(s)
            self.sockets.discard(ws)
        return ws

    async def _pinger(self, ws):
        interval = float(self.conf.get("ping_interval_s", 3))
        if interval <= 0:
            return
        while not ws.closed:
            await asyncio.sleep(interval)
            if ws.closed:
                break
            try:
                await ws.send_str(util.dumps({"type": "ping", "message": int(time.time())}))
            except (ConnectionError, RuntimeError):
                break

    def _drop(self, sub):
        for t in sub.tasks:
            t.cancel()
        if sub in self.subs:
            self.subs.remove(sub)

    async def _command(self, ws, text):
        try:
            data = json.loads(text)
            command = data.get("command")
            identifier = data.get("identifier")
            ident = json.loads(identifier)
            channel = ident.get("channel")
        except (ValueError, AttributeError, TypeError):
            return  # Rails logs "Could not execute command" and says nothing
        if command == "unsubscribe":
            for s in [s for s in self.subs if s.ws is ws and s.identifier == identifier]:
                self._drop(s)
            return
        if command != "subscribe":
            return
        if any(s.ws is ws and s.identifier == identifier for s in self.subs):
            return  # "Already subscribed": logged only
        if channel in self.conf.get("reject_channels", []):
            await ws.send_str(util.dumps({"identifier": identifier, "type": "reject_subscription"}))
            return
        if channel != "GraphqlChannel":
            return  # unknown channel class: no reply at all
        query = ident.get("query") or ""
        variables = ident.get("variables")
        if isinstance(variables, str):
            try:
                variables = json.loads(variables) if variables else {}
            except ValueError:
                variables = {}
        m = _FIELD.search(query)
        field = m.group(1) if m else None
        errors = self.conf.get("graphql_errors", {})
        if field in self.conf.get("reject_fields", []):
            await ws.send_str(util.dumps({"identifier": identifier, "type": "reject_subscription"}))
            return
        confirm = util.dumps({"identifier": identifier, "type": "confirm_subscription"})
        if field in errors or not field:
            msg = errors.get(field, "Syntax error: no subscription field found")
            await ws.send_str(util.dumps({"identifier": identifier, "message": {
                "result": {"errors": [{"message": msg}]}, "more": False}}))
            await ws.send_str(confirm)
            return
        if self.conf.get("initial_data", "field_null") == "null":
            first = {"result": {"data": None}, "more": True}
        else:
            first = {"result": {"data": {field: None}}, "more": True}
        sub = Sub(ws, identifier, field, variables or {})
        before = self.conf.get("initial_before_confirm", True)
        if not before:
            await ws.send_str(confirm)
        await ws.send_str(util.dumps({"identifier": identifier, "message": first}))
        if before:
            await ws.send_str(confirm)
        self.subs.append(sub)
        for p in self.conf.get("pushes", []):
            if sub.matches(p.get("field"), p.get("variables")):
                sub.tasks.append(asyncio.ensure_future(self._later(sub, p)))

    async def _later(self, sub, push):
        await asyncio.sleep(float(push.get("after_ms", 0)) / 1000)
        await self._send(sub, self._message(sub.field, push))

    @staticmethod
    def _message(field, push):
        if "message" in push:
            return push["message"]
        data = push.get("data")
        if data is not None and field and field not in data:
            data = {field: data}
        return {"result": {"data": data}, "more": push.get("more", True)}

    async def _send(self, sub, message):
        if sub.ws.closed:
            return False
        try:
            await sub.ws.send_str(util.dumps({"identifier": sub.identifier, "message": message}))
            return True
        except (ConnectionError, RuntimeError):
            return False

    async def push(self, field=None, variables=None, data=None, identifier=None, message=None, more=True):
        """Deliver one message to every matching subscription; returns how many."""
        n = 0
        for sub in list(self.subs):
            if identifier is not None:
                if sub.identifier != identifier:
                    continue
            elif not sub.matches(field, variables):
                continue
            body = message if message is not None else self._message(sub.field, {"data": data, "more": more})
            if await self._send(sub, body):
                n += 1
        return n

    # -------------------------------------------------------------- world
    def on_world_change(self, kind, rec):
        if kind == "job":
            data = {"ciJobStatusUpdated": self._job_gql(rec)}
            asyncio.ensure_future(self.push("ciJobStatusUpdated", {"jobId": "gid://gitlab/Ci::Build/%d" % rec["id"]}, data))
        elif kind == "pipeline":
            data = {"ciPipelineStatusUpdated": self._pipeline_gql(rec)}
            asyncio.ensure_future(self.push("ciPipelineStatusUpdated",
                                            {"pipelineId": "gid://gitlab/Ci::Pipeline/%d" % rec["id"]}, data))

    def _status_gql(self, status, path):
        d = self.sim.world._detailed_status(status, path)
        return {"id": "%s-%s" % (status, path.rsplit("/", 1)[-1]), "icon": d["icon"], "text": d["text"],
                "label": d["label"], "group": d["group"], "tooltip": d["tooltip"], "hasDetails": True,
                "detailsPath": path, "favicon": d["favicon"], "action": None, "__typename": "DetailedStatus"}

    def _pipeline_gql(self, pl):
        path = "/%s/-/pipelines/%d" % (pl["_project"]["path_with_namespace"], pl["id"])
        return {"id": "gid://gitlab/Ci::Pipeline/%d" % pl["id"], "iid": str(pl["iid"]),
                "status": pl["status"].upper(), "detailedStatus": self._status_gql(pl["status"], path),
                "retryable": pl["status"] in ("failed", "canceled"),
                "cancelable": pl["status"] in ("running", "pending", "created"),
                "updatedAt": util.iso(pl["updated_at"]), "__typename": "Pipeline"}

    def _job_gql(self, job):
        path = "/%s/-/jobs/%d" % (job["_pipeline"]["_project"]["path_with_namespace"], job["id"])
        return {"id": "gid://gitlab/Ci::Build/%d" % job["id"], "name": job["name"],
                "status": job["status"].upper(), "detailedStatus": self._status_gql(job["status"], path),
                "stage": {"name": job["stage"], "__typename": "CiStage"},
                "pipeline": {"id": "gid://gitlab/Ci::Pipeline/%d" % job["_pipeline"]["id"], "__typename": "Pipeline"},
                "__typename": "CiJob"}

    async def close_all(self):
        self.closing = True
        for ws in list(self.sockets):
            try:
                await ws.close(code=1001, message=b"server shutting down")
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass
