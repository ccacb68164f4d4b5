"""/__sim/*: introspection and control for tests.

  GET  /__sim/requests[?since=SEQ][&path=REGEX]  requests received so far
  POST /__sim/reset                              forget requests, restore the
                                                 scenario's state, rearm faults
  POST /__sim/push                               one action (or a list):
      {"type": "cable", "field": F, "variables": {...}, "data": {...}}
      {"type": "cable", "identifier": "<exact>", "message": {...}}
      {"type": "job_status", "id": JOB, "status": S}
      {"type": "pipeline_status", "id": PIPELINE, "status": S}
      {"type": "trace_append", "id": JOB, "text": "..."} or "lines": [...]
      {"type": "note", "resource": "merge_request"|"issue", "iid": N,
       "body": "...", "author": "username"}
      {"type": "patch", "resource": "merge_request"|"issue"|"pipeline"|"job",
       "iid"|"id": N, "set": {...}}
      "project" (id or path) picks the project; default: the first with data.
  GET  /__sim/info                               base URL, scenario, sockets
"""

import json
import re

from . import util
from .traces import script_line


def _project(sim, action):
    w = sim.world
    ref = action.get("project")
    if ref is not None:
        return w.project(str(ref))
    for p in w.projects:
        if p["merge_requests"] or p["issues"] or p["pipelines"]:
            return p
    return w.projects[0]


async def apply(sim, action):
    w = sim.world
    kind = action.get("type")
    if kind == "cable":
        n = await sim.cable.push(field=action.get("field"), variables=action.get("variables"),
                                 data=action.get("data"), identifier=action.get("identifier"),
                                 message=action.get("message"), more=action.get("more", True))
        return {"delivered": n}
    if kind == "oauth_expire":
        from . import oauth
        return {"expired": oauth.expire_all(sim)}
    if kind == "job_status":
        job = w.jobs[int(action["id"])]
        w.set_job_status(job, action["status"])
        if action["status"] == "running" and not job["_trace"]:
            w.append_trace(job, job["_tracer"].prelude())
        if action["status"] in ("success", "failed") and job["_trace"] and action.get("footer", True):
            w.append_trace(job, job["_tracer"].footer(action["status"]))
        return {"job": job["id"], "status": job["status"], "pipeline_status": job["_pipeline"]["status"]}
    if kind == "pipeline_status":
        pl = w.pipelines[int(action["id"])]
        w.set_pipeline_status(pl, action["status"])
        return {"pipeline": pl["id"], "status": pl["status"]}
    if kind == "trace_append":
        job = w.jobs[int(action["id"])]
        text = action.get("text", "")
        for item in action.get("lines", []):
            text += script_line(item, job["_tracer"].t0 + 8)
        w.append_trace(job, text)
        return {"job": job["id"], "size": len(job["_trace"].encode())}
    if kind == "note":
        p = _project(sim, action)
        rec = w.mr(p, int(action["iid"])) if action.get("resource") == "merge_request" else w.issue(p, int(action["iid"]))
        note = w.add_note(rec, action["body"], action.get("author", next(iter(w.users))))
        return {"note": note["id"]}
    if kind == "patch":
        res = action.get("resource")
        if res == "pipeline":
            rec = w.pipelines[int(action["id"])]
        elif res == "job":
            rec = w.jobs[int(action["id"])]
        else:
            p = _project(sim, action)
            rec = w.mr(p, int(action["iid"])) if res == "merge_request" else w.issue(p, int(action["iid"]))
        for k, v in (action.get("set") or {}).items():
            if k.startswith("_"):
                continue
            rec[k] = v
        if res in ("merge_request", "issue") and "updated_at" not in (action.get("set") or {}):
            rec["updated_at"] = w.now()
        w.emit(res, rec)
        return {"patched": res}
    raise ValueError("unknown push type %r" % kind)


async def handle(request, sim, path):
    from aiohttp import web
    if path == "/__sim/requests" and request.method == "GET":
        q = request.rel_url.query
        rx = re.compile(q["path"]) if q.get("path") else None
        return web.json_response(sim.log.public(util.to_int(q.get("since"), 0), rx), dumps=util.dumps)
    if path == "/__sim/reset" and request.method == "POST":
        sim.reset()
        return web.json_response({"ok": True})
    if path == "/__sim/push" and request.method == "POST":
        try:
            body = json.loads(await request.read() or b"{}")
            actions = body if isinstance(body, list) else [body]
            results = [await apply(sim, a) for a in actions]
        except (ValueError, KeyError, TypeError) as e:
            return web.json_response({"ok": False, "error": str(e)}, status=400)
        except Exception as e:  # noqa: BLE001 - NotFound and friends
            return web.json_response({"ok": False, "error": getattr(e, "what", str(e))}, status=404)
        return web.json_response({"ok": True, "results": results,
                                  "delivered": sum(r.get("delivered", 0) for r in results)}, dumps=util.dumps)
    if path == "/__sim/info" and request.method == "GET":
        return web.json_response({
            "base_url": sim.base_url,
            "scenario": sim.scenario.get("name"),
            "scenario_path": sim.scenario.get("_path"),
            "cable_subscriptions": [{"identifier": s.identifier, "field": s.field, "variables": s.variables}
                                    for s in sim.cable.subs],
            "cable_sockets": len(sim.cable.sockets),
            "requests": sim.log.seq,
        }, dumps=util.dumps)
    return web.json_response({"error": "unknown /__sim endpoint"}, status=404)
