"""The simulated GitLab instance: users, projects, merge requests, issues,
notes, pipelines and jobs built from a scenario, their JSON shapes as GitLab
REST v4 sends them, and the few mutations the API and the control endpoints
perform.  Everything here is synchronous; timers live in live.py.

Records are the scenario's dicts, completed with defaults at load time; keys
starting with "_" are the simulator's own bookkeeping and never sent."""

import copy

from . import util
from .traces import Trace

PIPELINE_STATUSES = (
    "created", "waiting_for_resource", "preparing", "waiting_for_callback", "pending",
    "running", "success", "failed", "canceling", "canceled", "skipped", "manual", "scheduled",
)
TERMINAL = ("success", "failed", "canceled", "skipped")

_DETAILED = {
    # status: (icon, text, label, group)
    "created": ("status_created", "Created", "created", "created"),
    "waiting_for_resource": ("status_pending", "Waiting", "waiting for resource", "waiting-for-resource"),
    "preparing": ("status_preparing", "Preparing", "preparing", "preparing"),
    "waiting_for_callback": ("status_pending", "Waiting", "waiting for callback", "waiting-for-callback"),
    "pending": ("status_pending", "Pending", "pending", "pending"),
    "running": ("status_running", "Running", "running", "running"),
    "success": ("status_success", "Passed", "passed", "success"),
    "failed": ("status_failed", "Failed", "failed", "failed"),
    "canceling": ("status_canceled", "Canceling", "canceling", "canceling"),
    "canceled": ("status_canceled", "Canceled", "canceled", "canceled"),
    "skipped": ("status_skipped", "Skipped", "skipped", "skipped"),
    "manual": ("status_manual", "Manual", "manual action", "manual"),
    "scheduled": ("status_scheduled", "Scheduled", "delayed", "scheduled"),
}


class NotFound(Exception):
    def __init__(self, what="Not found"):
        super().__init__(what)
        self.what = what


class World:
    def __init__(self, scenario, base_url):
        self.sc = scenario
        self.base = base_url.rstrip("/")
        self.listeners = []          # callables(kind, record) for live pushes
        self._seq = 0
        self.now0 = util.iso(scenario.get("now", "2025-06-02T10:00:00.000Z"))
        self._load()

    # ---------------------------------------------------------------- loading
    def _load(self):
        sc = copy.deepcopy(self.sc)
        self.users = {}
        self.users_by_id = {}
        for u in sc.get("users", []):
            u.setdefault("state", "active")
            u.setdefault("bot", False)
            u.setdefault("created_at", "2024-01-15T09:00:00.000Z")
            self.users[u["username"]] = u
            self.users_by_id[u["id"]] = u
        self.groups = {g["full_path"]: g for g in sc.get("groups", [])}
        self.tokens = {t["token"]: t for t in sc.get("tokens", [])}
        self.templates = sc.get("trace_templates", {})
        self.projects = []
        self.jobs = {}
        self.pipelines = {}
        for p in sc.get("projects", []):
            self._load_project(p)
        self.projects.sort(key=lambda p: p["id"])
        self._note_id = max([n["id"] for p in self.projects for n in self._all_notes(p)] + [90000])
        self._job_id = max(list(self.jobs) + [9000])

    def _load_project(self, p):
        ns = p.get("namespace", "")
        p["path_with_namespace"] = (ns + "/" if ns else "") + p["path"]
        p.setdefault("name", p["path"])
        p.setdefault("default_branch", "main")
        p.setdefault("visibility", "private")
        p.setdefault("description", "")
        for key in ("merge_requests", "issues", "pipelines"):
            p.setdefault(key, [])
        for pl in p["pipelines"]:
            self._load_pipeline(p, pl)
        for mr in p["merge_requests"]:
            self._load_noteable(p, mr, "MergeRequest")
        for issue in p["issues"]:
            self._load_noteable(p, issue, "Issue")
        self.projects.append(p)

    def _load_pipeline(self, p, pl):
        pl["_project"] = p
        pl.setdefault("iid", pl["id"] % 1000)
        pl.setdefault("sha", util.sha1("pipeline:%d" % pl["id"]))
        pl.setdefault("before_sha", "0" * 40)
        pl.setdefault("source", "push")
        pl.setdefault("user", p.get("owner", next(iter(self.users), None)))
        pl.setdefault("tag", False)
        pl.setdefault("coverage", None)
        pl.setdefault("created_at", self.now0)
        pl.setdefault("jobs", [])
        t0 = pl.get("started_at") or util.add_seconds(pl["created_at"], 4)
        stage_names = []
        for job in pl["jobs"]:
            if job["stage"] not in stage_names:
                stage_names.append(job["stage"])
        offset = {}
        acc = 0
        for st in stage_names:
            offset[st] = acc
            acc += max(int(j.get("duration") or 30) for j in pl["jobs"] if j["stage"] == st) + 3
        for job in pl["jobs"]:
            job["_pipeline"] = pl
            job["_project_id"] = p["id"]
            job.setdefault("allow_failure", False)
            job.setdefault("when", "on_success")
            job.setdefault("created_at", pl["created_at"])
            job.setdefault("tag_list", ["docker"])
            job.setdefault("coverage", None)
            status = job["status"]
            if status not in ("created", "pending", "manual", "skipped", "scheduled",
                              "waiting_for_resource", "preparing", "waiting_for_callback"):
                job.setdefault("started_at", util.add_seconds(t0, offset[job["stage"]]))
                job.setdefault("duration", 30)
                if status in TERMINAL:
                    job.setdefault("finished_at", util.add_seconds(job["started_at"], job["duration"]))
            self._init_trace(job)
            self.jobs[job["id"]] = job
        if "status" not in pl:
            pl["status"] = self._composite(pl)
        if pl["status"] not in ("created", "pending", "manual", "scheduled", "skipped",
                                "waiting_for_resource", "preparing", "waiting_for_callback"):
            pl.setdefault("started_at", t0)
        if pl["status"] in TERMINAL and pl["jobs"]:
            ends = [j.get("finished_at") for j in pl["jobs"] if j.get("finished_at")]
            if ends:
                pl.setdefault("finished_at", max(ends))
        pl.setdefault("updated_at", pl.get("finished_at") or pl.get("started_at") or pl["created_at"])
        self.pipelines[pl["id"]] = pl

    def _trace_spec(self, job):
        spec = job.get("trace")
        if isinstance(spec, str):
            spec = {"template": spec}
        spec = dict(spec or {})
        tmpl = spec.pop("template", None) or (job["name"] if job["name"] in self.templates else None)
        if tmpl:
            base = dict(self.templates.get(tmpl, {}))
            base.update(spec)
            spec = base
        return spec

    def _init_trace(self, job):
        pl = job["_pipeline"]
        p = pl["_project"]
        job["_trace_spec"] = self._trace_spec(job)
        job["_tracer"] = Trace(job["_trace_spec"], job, p["path_with_namespace"], pl["sha"], pl["ref"])
        if "trace_text" in job:
            job["_trace"] = job["trace_text"]
        else:
            job["_trace"] = job["_tracer"].render(job["status"])
        if job.get("live") and job["status"] in ("running", "pending", "created"):
            live = job["live"]
            job["_live"] = {
                "lines": list(live.get("lines", [])),
                "interval_ms": int(live.get("interval_ms", 1000)),
                "start": live.get("start", "first_trace"),
                "start_after_ms": int(live.get("start_after_ms", 0)),
                "then": live.get("then", "success"),
                "started": False,
            }

    def _load_noteable(self, p, rec, kind):
        rec["_project"] = p
        rec["_kind"] = kind
        base_id = 5000 if kind == "MergeRequest" else 7000
        rec.setdefault("id", base_id + p["id"] * 100 + rec["iid"])
        rec.setdefault("state", "opened")
        rec.setdefault("description", "")
        rec.setdefault("labels", [])
        rec.setdefault("assignees", [])
        rec.setdefault("created_at", self.now0)
        rec.setdefault("updated_at", rec["created_at"])
        discussions = []
        for n in rec.pop("notes", []):
            discussions.append({"individual_note": True, "notes": [n]})
        discussions.extend(rec.get("discussions", []))
        for i, d in enumerate(discussions):
            d.setdefault("id", util.sha1("discussion:%s:%d:%d:%d" % (kind, p["id"], rec["iid"], i)))
            d.setdefault("individual_note", len(d["notes"]) == 1 and d["notes"][0].get("type") is None)
            for n in d["notes"]:
                n.setdefault("id", 0)
                n.setdefault("system", False)
                n.setdefault("type", None if d["individual_note"] else "DiscussionNote")
                n.setdefault("updated_at", n["created_at"])
                n["_discussion"] = d
        rec["discussions"] = discussions
        nid = 1000000 + rec["id"] * 100
        for d in discussions:
            for n in d["notes"]:
                if not n["id"]:
                    nid += 1
                    n["id"] = nid
        if kind == "MergeRequest":
            rec.setdefault("reviewers", [])
            rec.setdefault("draft", rec.get("title", "").lower().startswith(("draft:", "[draft]")))
            rec.setdefault("target_branch", p["default_branch"])
            rec.setdefault("has_conflicts", False)
            rec.setdefault("merge_status", "can_be_merged")
            rec.setdefault("diffs", [])
            hp = self.pipelines.get(rec.get("head_pipeline"))
            rec.setdefault("sha", hp["sha"] if hp else util.sha1("mr:%d:%d" % (p["id"], rec["iid"])))
            rec.setdefault("base_sha", util.sha1("mr-base:%d:%d" % (p["id"], rec["iid"])))

    def _all_notes(self, p):
        for rec in p["merge_requests"] + p["issues"]:
            for d in rec["discussions"]:
                yield from d["notes"]

    # ---------------------------------------------------------------- clock
    def now(self):
        """Deterministic clock for things created at run time: the scenario's
        "now" plus one second per call."""
        self._seq += 1
        return util.add_seconds(self.now0, self._seq)

    # ---------------------------------------------------------------- lookups
    def token(self, value):
        t = self.tokens.get(value)
        if not t or t.get("revoked"):
            return None
        if t.get("expired"):
            return None
        return t

    def user(self, ref):
        if ref is None:
            return None
        if isinstance(ref, int):
            return self.users_by_id.get(ref)
        return self.users.get(ref)

    def project(self, ident):
        """Numeric id or full path (already URL-decoded)."""
        for p in self.projects:
            if str(p["id"]) == ident or p["path_with_namespace"] == ident:
                return p
        raise NotFound("Project Not Found")

    def mr(self, p, iid):
        for mr in p["merge_requests"]:
            if mr["iid"] == iid:
                return mr
        raise NotFound("Merge Request Not Found")

    def issue(self, p, iid):
        for issue in p["issues"]:
            if issue["iid"] == iid:
                return issue
        raise NotFound("Issue Not Found")

    def pipeline(self, p, pid):
        pl = self.pipelines.get(pid)
        if not pl or pl["_project"] is not p:
            raise NotFound("Not found")
        return pl

    def job(self, p, jid):
        job = self.jobs.get(jid)
        if not job or job["_pipeline"]["_project"] is not p:
            raise NotFound("Not found")
        return job

    # ---------------------------------------------------------------- urls
    def project_url(self, p):
        return "%s/%s" % (self.base, p["path_with_namespace"])

    def user_url(self, u):
        return "%s/%s" % (self.base, u["username"])

    # ---------------------------------------------------------------- shapes
    def user_basic(self, ref):
        u = self.user(ref) if not isinstance(ref, dict) else ref
        if u is None:
            return None
        return {
            "id": u["id"],
            "username": u["username"],
            "name": u["name"],
            "state": u["state"],
            "locked": False,
            "avatar_url": "%s/uploads/-/system/user/avatar/%d/avatar.png" % (self.base, u["id"]),
            "web_url": self.user_url(u),
        }

    def user_full(self, u):
        out = self.user_basic(u)
        out.update({
            "created_at": util.iso(u["created_at"]),
            "bio": u.get("bio", ""),
            "location": u.get("location", ""),
            "public_email": u.get("public_email"),
            "skype": "", "linkedin": "", "twitter": "", "discord": "",
            "website_url": "",
            "organization": u.get("organization", ""),
            "job_title": u.get("job_title", ""),
            "pronouns": None,
            "bot": u["bot"],
            "work_information": None,
            "local_time": None,
            "last_sign_in_at": util.iso(u.get("last_sign_in_at", self.now0)),
            "confirmed_at": util.iso(u["created_at"]),
            "last_activity_on": (u.get("last_activity_on") or self.now0[:10]),
            "email": u.get("email", "%s@example.invalid" % u["username"]),
            "theme_id": 1,
            "color_scheme_id": 1,
            "projects_limit": 100000,
            "current_sign_in_at": util.iso(u.get("last_sign_in_at", self.now0)),
            "identities": [],
            "can_create_group": True,
            "can_create_project": True,
            "two_factor_enabled": u.get("two_factor_enabled", True),
            "external": False,
            "private_profile": False,
            "commit_email": u.get("email", "%s@example.invalid" % u["username"]),
            "shared_runners_minutes_limit": None,
            "extra_shared_runners_minutes_limit": None,
            "scim_identities": [],
        })
        return out

    def namespace(self, p):
        g = self.groups.get(p.get("namespace", ""))
        if g is None:
            owner = self.user(p.get("owner"))
            if owner:
                return {"id": owner["id"] + 100, "name": owner["name"], "path": owner["username"],
                        "kind": "user", "full_path": owner["username"], "parent_id": None,
                        "avatar_url": None, "web_url": self.user_url(owner)}
            return None
        return {"id": g["id"], "name": g["name"], "path": g["path"], "kind": "group",
                "full_path": g["full_path"], "parent_id": g.get("parent_id"),
                "avatar_url": None, "web_url": "%s/groups/%s" % (self.base, g["full_path"])}

    def project_shape(self, p, simple=False):
        url = self.project_url(p)
        host = self.base.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        ns = self.namespace(p)
        out = {
            "id": p["id"],
            "description": p["description"],
            "name": p["name"],
            "name_with_namespace": " / ".join(self._ns_names(p) + [p["name"]]),
            "path": p["path"],
            "path_with_namespace": p["path_with_namespace"],
            "created_at": util.iso(p.get("created_at", "2024-02-01T12:00:00.000Z")),
            "default_branch": p["default_branch"],
            "tag_list": p.get("topics", []),
            "topics": p.get("topics", []),
            "ssh_url_to_repo": "git@%s:%s.git" % (host, p["path_with_namespace"]),
            "http_url_to_repo": "%s.git" % url,
            "web_url": url,
            "readme_url": "%s/-/blob/%s/README.md" % (url, p["default_branch"]),
            "forks_count": p.get("forks_count", 0),
            "avatar_url": None,
            "star_count": p.get("star_count", 0),
            "last_activity_at": util.iso(p.get("last_activity_at", self.now0)),
            "namespace": ns,
        }
        if simple:
            return out
        api = "%s/api/v4/projects/%d" % (self.base, p["id"])
        out.update({
            "container_registry_image_prefix": "registry.%s/%s" % (host, p["path_with_namespace"]),
            "_links": {
                "self": api,
                "issues": api + "/issues",
                "merge_requests": api + "/merge_requests",
                "repo_branches": api + "/repository/branches",
                "labels": api + "/labels",
                "events": api + "/events",
                "members": api + "/members",
                "cluster_agents": api + "/cluster_agents",
            },
            "packages_enabled": True,
            "empty_repo": False,
            "archived": p.get("archived", False),
            "visibility": p["visibility"],
            "resolve_outdated_diff_discussions": False,
            "container_registry_enabled": True,
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "wiki_enabled": True,
            "jobs_enabled": True,
            "snippets_enabled": True,
            "service_desk_enabled": False,
            "can_create_merge_request_in": True,
            "issues_access_level": "enabled",
            "repository_access_level": "enabled",
            "merge_requests_access_level": "enabled",
            "builds_access_level": "enabled",
            "shared_runners_enabled": True,
            "lfs_enabled": True,
            "creator_id": (self.user(p.get("owner")) or {"id": 1})["id"],
            "import_status": "none",
            "open_issues_count": sum(1 for i in p["issues"] if i["state"] == "opened"),
            "ci_default_git_depth": 20,
            "ci_config_path": "",
            "public_jobs": True,
            "shared_with_groups": [],
            "only_allow_merge_if_pipeline_succeeds": p.get("only_allow_merge_if_pipeline_succeeds", True),
            "allow_merge_on_skipped_pipeline": None,
            "request_access_enabled": True,
            "only_allow_merge_if_all_discussions_are_resolved": False,
            "remove_source_branch_after_merge": True,
            "printing_merge_request_link_enabled": True,
            "merge_method": "merge",
            "squash_option": "default_off",
            "enforce_auth_checks_on_uploads": True,
            "suggestion_commit_message": None,
            "merge_commit_template": None,
            "squash_commit_template": None,
            "issue_branch_template": None,
            "autoclose_referenced_issues": True,
            "approvals_before_merge": 0,
            "mirror": False,
            "marked_for_deletion_at": None,
            "marked_for_deletion_on": None,
            "permissions": {
                "project_access": None,
                "group_access": {"access_level": 40, "notification_level": 3},
            },
        })
        return out

    def _ns_names(self, p):
        names = []
        path = p.get("namespace", "")
        parts = path.split("/") if path else []
        for i in range(len(parts)):
            g = self.groups.get("/".join(parts[: i + 1]))
            names.append(g["name"] if g else parts[i])
        return names

    def _milestone(self, p, m):
        if not m:
            return None
        return {
            "id": m["id"], "iid": m.get("iid", 1), "project_id": p["id"],
            "title": m["title"], "description": m.get("description", ""),
            "state": m.get("state", "active"),
            "created_at": util.iso(m.get("created_at", "2025-04-01T08:00:00.000Z")),
            "updated_at": util.iso(m.get("updated_at", "2025-04-01T08:00:00.000Z")),
            "due_date": m.get("due_date"), "start_date": m.get("start_date"),
            "expired": False,
            "web_url": "%s/-/milestones/%d" % (self.project_url(p), m.get("iid", 1)),
        }

    def _time_stats(self):
        return {"time_estimate": 0, "total_time_spent": 0,
                "human_time_estimate": None, "human_total_time_spent": None}

    def _refs(self, p, sigil, iid):
        return {"short": "%s%d" % (sigil, iid), "relative": "%s%d" % (sigil, iid),
                "full": "%s%s%d" % (p["path_with_namespace"], sigil, iid)}

    def mr_shape(self, mr, single=False, simple=False):
        p = mr["_project"]
        url = "%s/-/merge_requests/%d" % (self.project_url(p), mr["iid"])
        if simple:
            return {"id": mr["id"], "iid": mr["iid"], "project_id": p["id"], "title": mr["title"],
                    "description": mr["description"], "state": mr["state"],
                    "created_at": util.iso(mr["created_at"]), "updated_at": util.iso(mr["updated_at"]),
                    "web_url": url}
        assignees = [self.user_basic(a) for a in mr["assignees"]]
        merged_by = self.user_basic(mr.get("merged_by"))
        out = {
            "id": mr["id"],
            "iid": mr["iid"],
            "project_id": p["id"],
            "title": mr["title"],
            "description": mr["description"],
            "state": mr["state"],
            "created_at": util.iso(mr["created_at"]),
            "updated_at": util.iso(mr["updated_at"]),
            "merged_by": merged_by,
            "merge_user": merged_by,
            "merged_at": util.iso(mr.get("merged_at")),
            "closed_by": self.user_basic(mr.get("closed_by")),
            "closed_at": util.iso(mr.get("closed_at")),
            "target_branch": mr["target_branch"],
            "source_branch": mr["source_branch"],
            "user_notes_count": self._user_notes_count(mr),
            "upvotes": mr.get("upvotes", 0),
            "downvotes": mr.get("downvotes", 0),
            "author": self.user_basic(mr["author"]),
            "assignees": assignees,
            "assignee": assignees[0] if assignees else None,
            "reviewers": [self.user_basic(r) for r in mr["reviewers"]],
            "source_project_id": p["id"],
            "target_project_id": p["id"],
            "labels": mr["labels"],
            "draft": mr["draft"],
            "imported": False,
            "imported_from": "none",
            "work_in_progress": mr["draft"],
            "milestone": self._milestone(p, mr.get("milestone")),
            "merge_when_pipeline_succeeds": mr.get("merge_when_pipeline_succeeds", False),
            "merge_status": mr["merge_status"],
            "detailed_merge_status": mr["detailed_merge_status"],
            "merge_after": None,
            "sha": mr["sha"],
            "merge_commit_sha": mr.get("merge_commit_sha"),
            "squash_commit_sha": None,
            "discussion_locked": None,
            "should_remove_source_branch": None,
            "force_remove_source_branch": True,
            "prepared_at": util.iso(mr["created_at"]),
            "reference": "!%d" % mr["iid"],
            "references": self._refs(p, "!", mr["iid"]),
            "web_url": url,
            "time_stats": self._time_stats(),
            "squash": False,
            "squash_on_merge": False,
            "task_completion_status": mr.get("task_completion_status", {"count": 0, "completed_count": 0}),
            "has_conflicts": mr["has_conflicts"],
            "blocking_discussions_resolved": all(
                n.get("resolved", True) for d in mr["discussions"] for n in d["notes"] if n.get("resolvable")),
            "approvals_before_merge": None,
        }
        if not single:
            return out
        hp = self.pipelines.get(mr.get("head_pipeline"))
        jobs = hp["jobs"] if hp else []
        out.update({
            "subscribed": True,
            "changes_count": mr.get("changes_count", str(len(mr["diffs"]))),
            "latest_build_started_at": util.iso(min((j["started_at"] for j in jobs if j.get("started_at")), default=None)),
            "latest_build_finished_at": util.iso(max((j["finished_at"] for j in jobs if j.get("finished_at")), default=None)),
            "first_deployed_to_production_at": None,
            "pipeline": self.pipeline_basic(hp, short=True) if hp else None,
            "head_pipeline": self.pipeline_detail(hp) if hp else None,
            "diff_refs": {"base_sha": mr["base_sha"], "head_sha": mr["sha"], "start_sha": mr["base_sha"]},
            "merge_error": None,
            "first_contribution": False,
            "user": {"can_merge": mr.get("can_merge", mr["state"] == "opened")},
        })
        return out

    def _user_notes_count(self, rec):
        return sum(1 for d in rec["discussions"] for n in d["notes"] if not n["system"])

    def approvals_shape(self, mr):
        a = mr.get("approvals") or {}
        required = a.get("required", 0)
        by = a.get("approved_by", [])
        return {
            "id": mr["id"], "iid": mr["iid"], "project_id": mr["_project"]["id"],
            "title": mr["title"], "description": mr["description"], "state": mr["state"],
            "created_at": util.iso(mr["created_at"]), "updated_at": util.iso(mr["updated_at"]),
            "merge_status": mr["merge_status"],
            "approved": len(by) >= required,
            "approvals_required": required,
            "approvals_left": max(0, required - len(by)),
            "require_password_to_approve": False,
            "approved_by": [{"user": self.user_basic(u)} for u in by],
            "suggested_approvers": [],
            "approvers": [],
            "approver_groups": [],
            "user_has_approved": False,
            "user_can_approve": True,
            "approval_rules_left": [],
            "has_approval_rules": required > 0,
            "merge_request_approvers_available": True,
            "multiple_approval_rules_available": True,
            "invalid_approvers_rules": [],
        }

    def diff_shape(self, d):
        return {
            "old_path": d.get("old_path", d.get("new_path")),
            "new_path": d.get("new_path", d.get("old_path")),
            "a_mode": d.get("a_mode", "0" if d.get("new_file") else "100644"),
            "b_mode": d.get("b_mode", "0" if d.get("deleted_file") else "100644"),
            "diff": d.get("diff", ""),
            "new_file": d.get("new_file", False),
            "renamed_file": d.get("renamed_file", False),
            "deleted_file": d.get("deleted_file", False),
            "generated_file": d.get("generated_file", False),
        }

    def issue_shape(self, issue, single=False):
        p = issue["_project"]
        url = "%s/-/issues/%d" % (self.project_url(p), issue["iid"])
        api = "%s/api/v4/projects/%d/issues/%d" % (self.base, p["id"], issue["iid"])
        assignees = [self.user_basic(a) for a in issue["assignees"]]
        out = {
            "id": issue["id"],
            "iid": issue["iid"],
            "project_id": p["id"],
            "title": issue["title"],
            "description": issue["description"],
            "state": issue["state"],
            "created_at": util.iso(issue["created_at"]),
            "updated_at": util.iso(issue["updated_at"]),
            "closed_at": util.iso(issue.get("closed_at")),
            "closed_by": self.user_basic(issue.get("closed_by")),
            "labels": issue["labels"],
            "milestone": self._milestone(p, issue.get("milestone")),
            "assignees": assignees,
            "author": self.user_basic(issue["author"]),
            "type": "ISSUE",
            "assignee": assignees[0] if assignees else None,
            "user_notes_count": self._user_notes_count(issue),
            "merge_requests_count": len(issue.get("related_merge_requests", [])),
            "upvotes": issue.get("upvotes", 0),
            "downvotes": issue.get("downvotes", 0),
            "due_date": issue.get("due_date"),
            "confidential": issue.get("confidential", False),
            "discussion_locked": None,
            "issue_type": "issue",
            "web_url": url,
            "time_stats": self._time_stats(),
            "task_completion_status": issue.get("task_completion_status", {"count": 0, "completed_count": 0}),
            "weight": issue.get("weight"),
            "blocking_issues_count": 0,
            "has_tasks": True,
            "task_status": "",
            "_links": {
                "self": api,
                "notes": api + "/notes",
                "award_emoji": api + "/award_emoji",
                "project": "%s/api/v4/projects/%d" % (self.base, p["id"]),
                "closed_as_duplicate_of": None,
            },
            "references": self._refs(p, "#", issue["iid"]),
            "severity": "UNKNOWN",
            "moved_to_id": None,
            "imported": False,
            "imported_from": "none",
            "service_desk_reply_to": None,
            "epic_iid": None,
            "epic": None,
            "iteration": None,
            "health_status": None,
        }
        if single:
            out["subscribed"] = True
        return out

    def note_shape(self, note, rec):
        p = rec["_project"]
        out = {
            "id": note["id"],
            "type": note.get("type"),
            "body": note["body"],
            "attachment": None,
            "author": self.user_basic(note["author"]),
            "created_at": util.iso(note["created_at"]),
            "updated_at": util.iso(note["updated_at"]),
            "system": note["system"],
            "noteable_id": rec["id"],
            "noteable_type": rec["_kind"],
            "project_id": p["id"],
            "resolvable": bool(note.get("resolvable", False)),
            "confidential": note.get("internal", False),
            "internal": note.get("internal", False),
            "imported": False,
            "imported_from": "none",
            "noteable_iid": rec["iid"],
            "commands_changes": {},
        }
        if rec["_kind"] == "MergeRequest":
            out["commit_id"] = None
        if note.get("resolvable"):
            resolved = bool(note.get("resolved", False))
            out["resolved"] = resolved
            out["resolved_by"] = self.user_basic(note.get("resolved_by")) if resolved else None
            out["resolved_at"] = util.iso(note.get("resolved_at")) if resolved else None
        if note.get("type") == "DiffNote":
            pos = dict(note.get("position", {}))
            pos.setdefault("base_sha", rec.get("base_sha"))
            pos.setdefault("start_sha", rec.get("base_sha"))
            pos.setdefault("head_sha", rec.get("sha"))
            pos.setdefault("position_type", "text")
            pos.setdefault("old_path", pos.get("new_path"))
            pos.setdefault("new_path", pos.get("old_path"))
            pos.setdefault("old_line", None)
            pos.setdefault("new_line", None)
            pos.setdefault("line_range", None)
            out["position"] = pos
        return out

    def discussion_shape(self, d, rec):
        return {"id": d["id"], "individual_note": d["individual_note"],
                "notes": [self.note_shape(n, rec) for n in d["notes"]]}

    def notes_of(self, rec):
        return [n for d in rec["discussions"] for n in d["notes"]]

    def _detailed_status(self, status, path):
        icon, text, label, group = _DETAILED.get(status, ("status_notfound", status.capitalize(), status, status))
        return {
            "icon": icon, "text": text, "label": label, "group": group, "tooltip": label,
            "has_details": True, "details_path": path, "illustration": None,
            "favicon": "/assets/ci_favicons/favicon_%s.png" % icon,
        }

    def pipeline_url(self, pl):
        return "%s/-/pipelines/%d" % (self.project_url(pl["_project"]), pl["id"])

    def pipeline_basic(self, pl, short=False):
        p = pl["_project"]
        out = {
            "id": pl["id"], "iid": pl["iid"], "project_id": p["id"],
            "sha": pl["sha"], "ref": pl["ref"], "status": pl["status"], "source": pl["source"],
            "created_at": util.iso(pl["created_at"]), "updated_at": util.iso(pl["updated_at"]),
            "web_url": self.pipeline_url(pl),
        }
        if not short:
            out["name"] = pl.get("name")
        return out

    def pipeline_detail(self, pl):
        out = self.pipeline_basic(pl)
        dur = None
        if pl.get("started_at") and pl.get("finished_at"):
            dur = util.unix(pl["finished_at"]) - util.unix(pl["started_at"])
        out.update({
            "before_sha": pl["before_sha"],
            "tag": pl["tag"],
            "yaml_errors": None,
            "user": self.user_basic(pl["user"]),
            "started_at": util.iso(pl.get("started_at")),
            "finished_at": util.iso(pl.get("finished_at")),
            "committed_at": None,
            "duration": dur,
            "queued_duration": 2.1 if pl.get("started_at") else None,
            "coverage": pl["coverage"],
            "detailed_status": self._detailed_status(
                pl["status"], "/%s/-/pipelines/%d" % (pl["_project"]["path_with_namespace"], pl["id"])),
        })
        return out

    def job_url(self, job):
        return "%s/-/jobs/%d" % (self.project_url(job["_pipeline"]["_project"]), job["id"])

    def job_shape(self, job):
        pl = job["_pipeline"]
        p = pl["_project"]
        author = self.user(pl["user"]) or {"name": "Sim", "email": "sim@example.invalid", "username": "sim"}
        email = author.get("email", "%s@example.invalid" % author.get("username", "sim"))
        title = pl.get("commit_title", "Update %s" % pl["ref"])
        committed = util.iso(pl.get("committed_at", pl["created_at"]))
        out = {
            "commit": {
                "id": pl["sha"], "short_id": pl["sha"][:8], "created_at": committed,
                "parent_ids": [pl["before_sha"]] if pl["before_sha"] != "0" * 40 else [],
                "title": title, "message": title + "\n",
                "author_name": author["name"], "author_email": email, "authored_date": committed,
                "committer_name": author["name"], "committer_email": email, "committed_date": committed,
                "trailers": {}, "extended_trailers": {},
                "web_url": "%s/-/commit/%s" % (self.project_url(p), pl["sha"]),
            },
            "coverage": job["coverage"],
            "archived": False,
            "allow_failure": job["allow_failure"],
            "created_at": util.iso(job["created_at"]),
            "started_at": util.iso(job.get("started_at")),
            "finished_at": util.iso(job.get("finished_at")),
            "erased_at": None,
            "duration": (float(job["duration"]) if job.get("finished_at") and job.get("started_at")
                         and job.get("duration") is not None else None),
            "queued_duration": 1.734 if job.get("started_at") else None,
            "id": job["id"],
            "name": job["name"],
            "pipeline": {"id": pl["id"], "project_id": p["id"], "ref": pl["ref"], "sha": pl["sha"],
                         "status": pl["status"]},
            "ref": pl["ref"],
            "artifacts": [],
            "runner": None,
            "runner_manager": None,
            "stage": job["stage"],
            "status": job["status"],
            "failure_reason": job.get("failure_reason") if job["status"] == "failed" else None,
            "tag": pl["tag"],
            "web_url": self.job_url(job),
            "project": {"ci_job_token_scope_enabled": False},
            "user": self.user_full(self.user(pl["user"])) if self.user(pl["user"]) else None,
            "tag_list": job["tag_list"],
        }
        if job["status"] == "failed":
            out["failure_reason"] = job.get("failure_reason", "script_failure")
        else:
            del out["failure_reason"]
        if job.get("started_at"):
            runner = job["_trace_spec"].get("runner", "duoterm-sim-runner-1")
            out["runner"] = {"id": 12270859, "description": runner, "ip_address": None, "active": True,
                             "paused": False, "is_shared": True, "runner_type": "instance_type",
                             "name": "gitlab-runner", "online": True, "status": "online"}
            out["runner_manager"] = {"id": 90417, "system_id": "s_" + util.sha1(runner)[:12],
                                     "version": "17.11.0", "revision": "0f67ff19", "platform": "linux",
                                     "architecture": "amd64", "created_at": "2025-01-10T08:00:00.000Z",
                                     "contacted_at": util.iso(job["started_at"]), "ip_address": "10.1.0.12",
                                     "status": "online"}
        if job["_trace"] and job["status"] in TERMINAL:
            out["artifacts"] = [{"file_type": "trace", "size": len(job["_trace"].encode()),
                                 "filename": "job.log", "file_format": None}]
        return out

    # ---------------------------------------------------------------- status
    def _composite(self, pl):
        jobs = [j for j in pl["jobs"] if not j.get("_retried")]
        if not jobs:
            return pl.get("status", "created")
        st = []
        for j in jobs:
            s = j["status"]
            if j["allow_failure"] and s in ("failed", "canceled", "manual"):
                s = "ignored"
            st.append(s)
        ss = set(st)

        def only(*names):
            return ss <= set(names)

        if only("skipped", "ignored"):
            return "skipped"
        if only("success", "skipped", "ignored"):
            return "success"
        if only("created", "ignored"):
            return "created"
        if only("preparing", "ignored"):
            return "preparing"
        if only("canceled", "success", "skipped", "ignored"):
            return "canceled"
        if only("pending", "created", "skipped", "ignored"):
            return "pending"
        if "canceling" in ss:
            return "canceling"
        if ss & {"running", "pending"}:
            return "running"
        if "waiting_for_resource" in ss:
            return "waiting_for_resource"
        if "manual" in ss:
            return "manual"
        if "scheduled" in ss:
            return "scheduled"
        if "preparing" in ss:
            return "preparing"
        if "created" in ss:
            return "running"
        return "failed"

    def emit(self, kind, rec):
        for fn in list(self.listeners):
            fn(kind, rec)

    def set_job_status(self, job, status):
        if status not in PIPELINE_STATUSES:
            raise ValueError("unknown job status %r" % status)
        old = job["status"]
        if old == status:
            return
        job["status"] = status
        if status == "running" and not job.get("started_at"):
            job["started_at"] = self.now()
            job["_tracer"].t0 = util.unix(job["started_at"])
        if status in TERMINAL:
            job["finished_at"] = self.now()
            if job.get("started_at"):
                job["duration"] = max(1, util.unix(job["finished_at"]) - util.unix(job["started_at"]))
        self.emit("job", job)
        self._refresh_pipeline(job["_pipeline"])

    def _refresh_pipeline(self, pl):
        new = self._composite(pl)
        self.set_pipeline_status(pl, new)

    def set_pipeline_status(self, pl, status):
        if status not in PIPELINE_STATUSES:
            raise ValueError("unknown pipeline status %r" % status)
        if pl["status"] == status:
            return
        pl["status"] = status
        pl["updated_at"] = self.now()
        if status == "running" and not pl.get("started_at"):
            pl["started_at"] = pl["updated_at"]
        if status in TERMINAL:
            pl["finished_at"] = pl["updated_at"]
        else:
            pl.pop("finished_at", None)
        self.emit("pipeline", pl)

    def append_trace(self, job, text):
        job["_trace"] += text
        self.emit("trace", job)

    def retry_job(self, job):
        self._job_id += 1
        pl = job["_pipeline"]
        new = {k: v for k, v in job.items() if not k.startswith("_") and k not in (
            "started_at", "finished_at", "duration", "live", "trace_text", "failure_reason")}
        new.update({"id": self._job_id, "status": "pending", "created_at": self.now(), "retried_from": job["id"]})
        job["_retried"] = True
        new["_pipeline"] = pl
        new["_project_id"] = job["_project_id"]
        new["_trace_spec"] = job["_trace_spec"]
        new["_tracer"] = Trace(job["_trace_spec"], new, pl["_project"]["path_with_namespace"], pl["sha"], pl["ref"])
        new["_trace"] = ""
        retry = dict(job.get("on_retry") or {})
        new["_live"] = {
            "lines": list(job["_trace_spec"].get("script", [])) or ["$ true"],
            "interval_ms": int(retry.get("interval_ms", 300)),
            "start": "now",
            "start_after_ms": int(retry.get("start_after_ms", 800)),
            "then": retry.get("then", "success"),
            "started": False,
            "fresh": True,
        }
        pl["jobs"].append(new)
        self.jobs[new["id"]] = new
        self.emit("job", new)
        self._refresh_pipeline(pl)
        return new

    def cancel_job(self, job):
        if job["status"] in TERMINAL:
            return job
        if job["status"] == "running":
            job["_trace"] += job["_tracer"].footer("canceled")
        if job.get("_live"):
            job["_live"]["cancelled"] = True
        self.set_job_status(job, "canceled")
        return job

    def add_note(self, rec, body, author, internal=False):
        self._note_id += 1
        now = self.now()
        note = {"id": self._note_id, "body": body, "author": author, "created_at": now, "updated_at": now,
                "system": False, "type": None, "internal": bool(internal)}
        d = {"id": util.sha1("discussion:new:%d" % self._note_id), "individual_note": True, "notes": [note]}
        note["_discussion"] = d
        rec["discussions"].append(d)
        rec["updated_at"] = now
        self.emit("note", rec)
        return note
