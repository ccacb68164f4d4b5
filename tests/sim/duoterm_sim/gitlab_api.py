"""GitLab REST v4 subset.  Each handler gets (request, match, ctx) where ctx
carries the world, the project (for /projects/:id/... routes) and the token.
Routes are matched on the raw path so that URL-encoded project paths
(group%2Fsub%2Fproject) stay one segment."""

import json
import re
import urllib.parse

from . import http, util
from .gitlab_model import NotFound, TERMINAL

READ = ("api", "read_api")
USER = ("api", "read_api", "read_user")
WRITE = ("api",)


class Ctx:
    def __init__(self, sim, token):
        self.sim = sim
        self.world = sim.world
        self.token = token
        self.user = sim.world.user(token["user"]) if token else None
        self.project = None


def _q(request):
    return request.rel_url.query


def _multi(request, name):
    """GitLab array params: scope[]=a&scope[]=b, or scope=a."""
    q = _q(request)
    vals = q.getall(name + "[]", []) or q.getall(name, [])
    out = []
    for v in vals:
        out.extend(x for x in v.split(",") if x)
    return out


def _sort(request, rows, default_key, keys):
    q = _q(request)
    key = q.get("order_by", default_key)
    if key not in keys:
        key = default_key
    desc = q.get("sort", "desc") != "asc"
    return sorted(rows, key=lambda r: (r.get(key) or "", r.get("id", 0)), reverse=desc)


async def _list(request, rows, shape):
    page, headers = http.paginate(request, rows)
    return await http.send_json(request, [shape(r) for r in page], headers=headers)


async def _read_body(request):
    raw = await request.read()
    http.record_body(request, raw)
    ctype = request.headers.get("Content-Type", "")
    if "json" in ctype:
        try:
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {}
        except ValueError:
            return None
    data = dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
    data.update({k: v for k, v in _q(request).items()})
    return data


# ------------------------------------------------------------------ instance

async def version(request, m, ctx):
    v = dict(ctx.sim.scenario.get("version", {}))
    base = ctx.sim.base_url
    return await http.send_json(request, {
        "version": v.get("version", "17.11.1-ee"),
        "revision": v.get("revision", "a1b2c3d4e5f"),
        "kas": {"enabled": True, "externalUrl": base.replace("http", "ws", 1) + "/-/kubernetes-agent/",
                "externalK8sProxyUrl": base + "/-/kubernetes-agent/k8s-proxy/", "version": "17.11.1"},
        "enterprise": v.get("enterprise", True),
    })


async def metadata(request, m, ctx):
    return await version(request, m, ctx)


async def current_user(request, m, ctx):
    return await http.send_json(request, ctx.world.user_full(ctx.user))


async def project_members(request, m, ctx):
    """/members/all: every user of the world is a member (the owner a
    Maintainer+, bots and people Developers), as GitLab shapes them."""
    p, w = ctx.project, ctx.world
    rows = []
    for u in sorted(w.users.values(), key=lambda u: u["id"]):
        row = w.user_basic(u)
        row.update({"access_level": 50 if u["username"] == p.get("owner") else 30,
                    "created_at": u.get("created_at"), "expires_at": None,
                    "membership_state": "active"})
        rows.append(row)
    q = _q(request).get("query")
    if q:
        rows = [r for r in rows if q.lower() in r["username"].lower() or q.lower() in r["name"].lower()]
    page, headers = http.paginate(request, rows)
    return await http.send_json(request, page, headers=headers)


async def token_self(request, m, ctx):
    t = ctx.token
    return await http.send_json(request, {
        "id": t.get("id", 1),
        "name": t.get("name", "duoterm"),
        "revoked": False,
        "created_at": util.iso(t.get("created_at", "2025-05-01T08:00:00.000Z")),
        "description": t.get("description"),
        "scopes": t.get("scopes", ["api"]),
        "user_id": ctx.user["id"],
        "last_used_at": util.iso(t.get("last_used_at", ctx.world.now0)),
        "active": True,
        "expires_at": t.get("expires_at", "2026-06-01"),
    })


# ------------------------------------------------------------------ projects

async def projects_list(request, m, ctx):
    q = _q(request)
    rows = list(ctx.world.projects)
    if q.get("search"):
        s = q["search"].lower()
        rows = [p for p in rows if s in p["name"].lower() or s in p["path_with_namespace"].lower()]
    if util.truthy(q.get("archived")):
        rows = [p for p in rows if p.get("archived")]
    simple = util.truthy(q.get("simple"))

    def shape(p):
        return ctx.world.project_shape(p, simple=simple)

    if q.get("pagination") == "keyset":
        if q.get("order_by", "id") != "id":
            return await http.send_json(request, {"error": "Keyset pagination is not yet available for this type of request"}, status=405)
        page, headers = http.paginate_keyset(request, rows)
        return await http.send_json(request, [shape(p) for p in page], headers=headers)
    rows = _sort(request, rows, "id", ("id", "name", "path", "created_at", "last_activity_at"))
    return await _list(request, rows, shape)


async def project_get(request, m, ctx):
    return await http.send_json(request, ctx.world.project_shape(ctx.project))


# ------------------------------------------------------------------ merge requests

def _match_user(ref, name):
    return ref == name


def _filter_common(request, ctx, rows):
    q = _q(request)
    state = q.get("state", "all")
    if state != "all":
        rows = [r for r in rows if r["state"] == state]
    if q.get("search"):
        s = q["search"].lower()
        fields = q.get("in", "title,description").split(",")
        rows = [r for r in rows if any(s in (r.get(f) or "").lower() for f in fields)]
    labels = [x for x in q.get("labels", "").split(",") if x]
    if labels:
        if labels in (["None"], ["none"]):
            rows = [r for r in rows if not r["labels"]]
        elif labels in (["Any"], ["any"]):
            rows = [r for r in rows if r["labels"]]
        else:
            rows = [r for r in rows if all(lb in r["labels"] for lb in labels)]
    scope = q.get("scope", "all")
    me = ctx.user["username"]
    if scope == "created_by_me" or scope == "created-by-me":
        rows = [r for r in rows if r["author"] == me]
    elif scope in ("assigned_to_me", "assigned-to-me"):
        rows = [r for r in rows if me in r["assignees"]]
    if q.get("author_username"):
        rows = [r for r in rows if r["author"] == q["author_username"]]
    if q.get("author_id"):
        rows = [r for r in rows if (ctx.world.user(r["author"]) or {}).get("id") == util.to_int(q["author_id"], -1)]
    if q.get("assignee_username"):
        rows = [r for r in rows if q["assignee_username"] in r["assignees"]]
    iids = [util.to_int(x, -1) for x in _multi(request, "iids")]
    if iids:
        rows = [r for r in rows if r["iid"] in iids]
    if q.get("milestone"):
        rows = [r for r in rows if (r.get("milestone") or {}).get("title") == q["milestone"]]
    return rows


async def mr_list(request, m, ctx):
    q = _q(request)
    rows = _filter_common(request, ctx, list(ctx.project["merge_requests"]))
    for key in ("source_branch", "target_branch"):
        if q.get(key):
            rows = [r for r in rows if r[key] == q[key]]
    if q.get("reviewer_username"):
        rows = [r for r in rows if q["reviewer_username"] in r["reviewers"]]
    wip = q.get("wip") or q.get("draft")
    if wip in ("yes", "true"):
        rows = [r for r in rows if r["draft"]]
    elif wip in ("no", "false"):
        rows = [r for r in rows if not r["draft"]]
    rows = _sort(request, rows, "created_at", ("created_at", "updated_at", "title", "merged_at"))
    simple = q.get("view") == "simple"
    return await _list(request, rows, lambda r: ctx.world.mr_shape(r, simple=simple))


async def mr_get(request, m, ctx):
    mr = ctx.world.mr(ctx.project, int(m["iid"]))
    return await http.send_json(request, ctx.world.mr_shape(mr, single=True))


async def mr_diffs(request, m, ctx):
    mr = ctx.world.mr(ctx.project, int(m["iid"]))
    return await _list(request, mr["diffs"], ctx.world.diff_shape)


async def mr_approvals(request, m, ctx):
    mr = ctx.world.mr(ctx.project, int(m["iid"]))
    return await http.send_json(request, ctx.world.approvals_shape(mr))


async def mr_pipelines(request, m, ctx):
    mr = ctx.world.mr(ctx.project, int(m["iid"]))
    rows = [pl for pl in ctx.world.pipelines.values()
            if pl["_project"] is ctx.project and pl["ref"] == mr["source_branch"]]
    rows.sort(key=lambda pl: pl["id"], reverse=True)
    return await _list(request, rows, lambda pl: ctx.world.pipeline_basic(pl, short=True))


def _noteable(ctx, m):
    if m["kind"] == "merge_requests":
        return ctx.world.mr(ctx.project, int(m["iid"]))
    return ctx.world.issue(ctx.project, int(m["iid"]))


async def notes_list(request, m, ctx):
    rec = _noteable(ctx, m)
    rows = _sort(request, ctx.world.notes_of(rec), "created_at", ("created_at", "updated_at"))
    return await _list(request, rows, lambda n: ctx.world.note_shape(n, rec))


async def notes_create(request, m, ctx):
    rec = _noteable(ctx, m)
    data = await _read_body(request)
    if data is None:
        return await http.send_json(request, {"error": "body is invalid"}, status=400)
    body = data.get("body")
    if not isinstance(body, str) or not body.strip():
        return await http.send_json(request, {"error": "body is missing"}, status=400)
    note = ctx.world.add_note(rec, body, ctx.user["username"], util.truthy(data.get("internal")))
    return await http.send_json(request, ctx.world.note_shape(note, rec), status=201)


async def discussions_list(request, m, ctx):
    rec = _noteable(ctx, m)
    return await _list(request, rec["discussions"], lambda d: ctx.world.discussion_shape(d, rec))


# ------------------------------------------------------------------ issues

async def issue_list(request, m, ctx):
    q = _q(request)
    rows = _filter_common(request, ctx, list(ctx.project["issues"]))
    if q.get("confidential") is not None:
        want = util.truthy(q.get("confidential"))
        rows = [r for r in rows if bool(r.get("confidential")) == want]
    rows = _sort(request, rows, "created_at", ("created_at", "updated_at", "title", "due_date"))
    return await _list(request, rows, ctx.world.issue_shape)


async def issue_get(request, m, ctx):
    issue = ctx.world.issue(ctx.project, int(m["iid"]))
    return await http.send_json(request, ctx.world.issue_shape(issue, single=True))


async def issue_update(request, m, ctx):
    issue = ctx.world.issue(ctx.project, int(m["iid"]))
    data = await _read_body(request)
    if data is None:
        return await http.send_json(request, {"error": "body is invalid"}, status=400)
    w = ctx.world
    if "assignee_ids" in data or "assignee_id" in data:
        ids = data.get("assignee_ids", data.get("assignee_id"))
        if not isinstance(ids, list):
            ids = [ids] if ids not in (None, "", 0, "0") else []
        names = []
        for i in ids:
            u = w.user(util.to_int(i, -1))
            if u:
                names.append(u["username"])
        issue["assignees"] = names
    for key in ("title", "description"):
        if key in data:
            issue[key] = data[key]
    if data.get("state_event") == "close":
        issue["state"] = "closed"
        issue["closed_at"] = w.now()
        issue["closed_by"] = ctx.user["username"]
    elif data.get("state_event") == "reopen":
        issue["state"] = "opened"
        issue["closed_at"] = None
        issue["closed_by"] = None
    if "labels" in data:
        issue["labels"] = [x for x in str(data["labels"]).split(",") if x]
    issue["updated_at"] = w.now()
    w.emit("issue", issue)
    return await http.send_json(request, w.issue_shape(issue, single=True))


# ------------------------------------------------------------------ pipelines and jobs

async def pipelines_list(request, m, ctx):
    q = _q(request)
    rows = [pl for pl in ctx.world.pipelines.values() if pl["_project"] is ctx.project]
    for key in ("ref", "sha", "source"):
        if q.get(key):
            rows = [pl for pl in rows if pl[key] == q[key]]
    if q.get("status"):
        rows = [pl for pl in rows if pl["status"] == q["status"]]
    if q.get("username"):
        rows = [pl for pl in rows if pl["user"] == q["username"]]
    scope = q.get("scope")
    if scope == "running":
        rows = [pl for pl in rows if pl["status"] == "running"]
    elif scope == "pending":
        rows = [pl for pl in rows if pl["status"] == "pending"]
    elif scope == "finished":
        rows = [pl for pl in rows if pl["status"] in TERMINAL]
    elif scope == "tags":
        rows = [pl for pl in rows if pl["tag"]]
    elif scope == "branches":
        rows = [pl for pl in rows if not pl["tag"]]
    key = q.get("order_by", "id")
    if key not in ("id", "status", "ref", "updated_at", "user_id"):
        key = "id"
    rows.sort(key=lambda pl: (pl.get(key) or "", pl["id"]) if key != "id" else pl["id"],
              reverse=q.get("sort", "desc") != "asc")
    return await _list(request, rows, ctx.world.pipeline_basic)


async def pipeline_get(request, m, ctx):
    pl = ctx.world.pipeline(ctx.project, int(m["pid"]))
    return await http.send_json(request, ctx.world.pipeline_detail(pl))


def _job_scope_filter(request, rows):
    scopes = _multi(request, "scope")
    if scopes:
        rows = [j for j in rows if j["status"] in scopes]
    return rows


async def pipeline_jobs(request, m, ctx):
    pl = ctx.world.pipeline(ctx.project, int(m["pid"]))
    rows = list(pl["jobs"])
    if not util.truthy(_q(request).get("include_retried")):
        rows = [j for j in rows if not j.get("_retried")]
    rows = _job_scope_filter(request, rows)
    rows.sort(key=lambda j: j["id"])
    return await _list(request, rows, ctx.world.job_shape)


async def project_jobs(request, m, ctx):
    rows = [j for j in ctx.world.jobs.values() if j["_pipeline"]["_project"] is ctx.project]
    rows = _job_scope_filter(request, rows)
    rows.sort(key=lambda j: j["id"], reverse=True)
    return await _list(request, rows, ctx.world.job_shape)


async def job_get(request, m, ctx):
    job = ctx.world.job(ctx.project, int(m["jid"]))
    return await http.send_json(request, ctx.world.job_shape(job))


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def job_trace(request, m, ctx):
    job = ctx.world.job(ctx.project, int(m["jid"]))
    ctx.sim.live.trace_requested(job)
    body = job["_trace"].encode("utf-8")
    ctype = "text/plain; charset=utf-8"
    rng = request.headers.get("Range")
    if rng and ctx.sim.scenario.get("trace_range", True):
        mm = _RANGE.match(rng.strip())
        if mm and (mm.group(1) or mm.group(2)):
            size = len(body)
            if mm.group(1):
                start = int(mm.group(1))
                end = int(mm.group(2)) if mm.group(2) else size - 1
            else:
                start = max(0, size - int(mm.group(2)))
                end = size - 1
            if start >= size or start > end:
                return await http.send(request, 416, b"", ctype, {"Content-Range": "bytes */%d" % size})
            end = min(end, size - 1)
            return await http.send(request, 206, body[start:end + 1], ctype,
                                   {"Content-Range": "bytes %d-%d/%d" % (start, end, size),
                                    "Accept-Ranges": "bytes"})
    return await http.send(request, 200, body, ctype, {"Accept-Ranges": "bytes"})


async def job_action(request, m, ctx):
    job = ctx.world.job(ctx.project, int(m["jid"]))
    await _read_body(request)
    if m["action"] == "retry":
        if job["status"] not in ("success", "failed", "canceled") or job.get("_retried"):
            return await http.send_json(request, {"message": "403 Forbidden - Job is not retryable"}, status=403)
        new = ctx.world.retry_job(job)
        ctx.sim.live.schedule(new)
        return await http.send_json(request, ctx.world.job_shape(new), status=201)
    ctx.world.cancel_job(job)
    return await http.send_json(request, ctx.world.job_shape(job), status=201)


# ------------------------------------------------------------------ routing

P = r"/api/v4/projects/(?P<proj>[^/]+)"
NOTEABLE = P + r"/(?P<kind>merge_requests|issues)/(?P<iid>\d+)"

ROUTES = [
    # method, regex, handler, scopes, needs project
    ("GET", r"/api/v4/version", version, READ, False),
    ("GET", r"/api/v4/metadata", metadata, READ, False),
    ("GET", r"/api/v4/user", current_user, USER, False),
    ("GET", r"/api/v4/personal_access_tokens/self", token_self, None, False),
    ("GET", r"/api/v4/projects", projects_list, READ, False),
    ("GET", P, project_get, READ, True),
    ("GET", P + r"/members/all", project_members, READ, True),
    ("GET", P + r"/merge_requests", mr_list, READ, True),
    ("GET", P + r"/merge_requests/(?P<iid>\d+)", mr_get, READ, True),
    ("GET", P + r"/merge_requests/(?P<iid>\d+)/diffs", mr_diffs, READ, True),
    ("GET", P + r"/merge_requests/(?P<iid>\d+)/approvals", mr_approvals, READ, True),
    ("GET", P + r"/merge_requests/(?P<iid>\d+)/pipelines", mr_pipelines, READ, True),
    ("GET", NOTEABLE + r"/notes", notes_list, READ, True),
    ("POST", NOTEABLE + r"/notes", notes_create, WRITE, True),
    ("GET", NOTEABLE + r"/discussions", discussions_list, READ, True),
    ("GET", P + r"/issues", issue_list, READ, True),
    ("GET", P + r"/issues/(?P<iid>\d+)", issue_get, READ, True),
    ("PUT", P + r"/issues/(?P<iid>\d+)", issue_update, WRITE, True),
    ("GET", P + r"/pipelines", pipelines_list, READ, True),
    ("GET", P + r"/pipelines/(?P<pid>\d+)", pipeline_get, READ, True),
    ("GET", P + r"/pipelines/(?P<pid>\d+)/jobs", pipeline_jobs, READ, True),
    ("GET", P + r"/jobs", project_jobs, READ, True),
    ("GET", P + r"/jobs/(?P<jid>\d+)", job_get, READ, True),
    ("GET", P + r"/jobs/(?P<jid>\d+)/trace", job_trace, READ, True),
    ("POST", P + r"/jobs/(?P<jid>\d+)/(?P<action>retry|cancel)", job_action, WRITE, True),
]
ROUTES = [(meth, re.compile("^" + rx + "/?$"), fn, scopes, needp) for meth, rx, fn, scopes, needp in ROUTES]


def gitlab_token(request):
    t = request.headers.get("PRIVATE-TOKEN")
    if not t:
        a = request.headers.get("Authorization", "")
        if a[:7].lower() == "bearer ":
            t = a[7:].strip()
    if not t:
        q = request.rel_url.query
        t = q.get("private_token") or q.get("access_token")
    return t


async def dispatch(request, sim, path):
    """Returns a response, or None when no GitLab route matches the path."""
    matched = [(meth, mm, fn, scopes, needp) for meth, rx, fn, scopes, needp in ROUTES
               for mm in [rx.match(path)] if mm]
    if not matched:
        if path.startswith("/api/v4/"):
            return await http.send_json(request, {"error": "404 Not Found"}, status=404)
        return None
    method = "GET" if request.method == "HEAD" else request.method
    hit = [r for r in matched if r[0] == method]
    if not hit:
        return await http.send_json(request, {"message": "405 Method Not Allowed"}, status=405)
    _, mm, fn, scopes, needp = hit[0]
    token = sim.world.token(gitlab_token(request) or "")
    if token is None:
        return await http.send_json(request, {"message": "401 Unauthorized"}, status=401)
    if scopes and not set(scopes) & set(token.get("scopes", [])):
        return await http.send_json(request, {
            "error": "insufficient_scope",
            "error_description": "The request requires higher privileges than provided by the access token.",
            "scope": " ".join(scopes)}, status=403)
    ctx = Ctx(sim, token)
    try:
        if needp:
            ctx.project = sim.world.project(urllib.parse.unquote(mm["proj"]))
        return await fn(request, mm, ctx)
    except NotFound as e:
        return await http.send_json(request, {"message": "404 %s" % e.what}, status=404)

