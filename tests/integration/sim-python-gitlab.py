#!/usr/bin/python3
"""Fidelity: a real GitLab client (Debian's python3-gitlab) accepts the
simulator.  Lists merge requests (get_all with a small page size, so the
Link/x-* pagination is followed), issues, pipelines, jobs, a job trace, and
fetches a single MR, its notes, discussions and a pipeline; adds a note.
Exit 0 pass, 77 skip (python3-gitlab missing), 1 fail."""

import os
import sys
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))

try:
    import gitlab
except ImportError:
    print("skip: python3-gitlab is not importable under /usr/bin/python3 (apt-get install python3-gitlab)")
    sys.exit(77)

from simproc import DEMO_TOKEN, Sim  # noqa: E402


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def run(sim):
    gl = gitlab.Gitlab(sim.url, private_token=DEMO_TOKEN, per_page=2)
    gl.auth()
    check(gl.user.username == "dana", "auth(): user is %r" % gl.user.username)
    version, revision = gl.version()
    check(version.startswith("17."), "version() gave %r" % version)

    project = gl.projects.get("duoterm-demo/tools/sandbox")
    check(project.id == 42 and project.path_with_namespace == "duoterm-demo/tools/sandbox",
          "project by path: %r" % project.path_with_namespace)
    check(gl.projects.get(42).name == "sandbox", "project by id")

    mrs = project.mergerequests.list(get_all=True, state="all", per_page=2)
    check(len(mrs) == 8, "merge requests over 4 pages: got %d" % len(mrs))
    check(len({m.iid for m in mrs}) == 8, "merge requests repeat across pages")
    opened = project.mergerequests.list(get_all=True, state="opened")
    check(len(opened) == 6, "opened merge requests: %d" % len(opened))
    statuses = {m.detailed_merge_status for m in mrs}
    for s in ("draft_status", "mergeable", "conflict", "ci_still_running", "not_approved"):
        check(s in statuses, "no MR with detailed_merge_status %s" % s)

    mr = project.mergerequests.get(2)
    check(mr.head_pipeline["status"] == "success", "MR !2 head_pipeline: %r" % mr.head_pipeline)
    check(isinstance(mr.changes_count, str), "changes_count is %r" % type(mr.changes_count))
    check(project.mergerequests.get(5).head_pipeline is None, "MR !5 has head_pipeline null")
    notes = mr.notes.list(get_all=True)
    check(len(notes) == 5, "MR !2 notes: %d" % len(notes))
    discussions = mr.discussions.list(get_all=True)
    check(any(len(d.attributes["notes"]) == 2 for d in discussions), "MR !2 has a threaded discussion")
    approvals = mr.approvals.get()
    check(approvals.approved and approvals.approvals_left == 0, "MR !2 approvals: %r" % approvals.attributes)
    diffs = gl.http_list("/projects/42/merge_requests/3/diffs", get_all=True)
    check(len(diffs) == 3 and diffs[0]["diff"].startswith("@@"), "MR !3 /diffs")

    note = mr.notes.create({"body": "Looks good from python-gitlab."})
    check(note.body == "Looks good from python-gitlab." and note.author["username"] == "dana", "created note")

    issues = project.issues.list(get_all=True, state="all")
    check(len(issues) == 8, "issues: %d" % len(issues))
    issue = project.issues.get(2)
    check(len(issue.notes.list(get_all=True)) == 3, "issue #2 notes")

    pipelines = project.pipelines.list(get_all=True)
    check(len(pipelines) == 8, "pipelines: %d" % len(pipelines))
    check([p.id for p in project.pipelines.list(get_all=True, ref="main")] == [307, 305], "pipelines ref=main")
    pipeline = project.pipelines.get(312)
    check(pipeline.detailed_status["group"] == "running", "pipeline 312 detailed_status")
    jobs = pipeline.jobs.list(get_all=True)
    check([j.name for j in jobs] == ["build", "test:unit", "test:lint", "test:asan"], "jobs: %r" % [j.name for j in jobs])

    job = project.jobs.get(3092)
    trace = job.trace()
    check(isinstance(trace, bytes) and b"section_start:" in trace and b"Job succeeded" in trace, "job trace")
    check(len(project.jobs.list(get_all=True)) >= 20, "project jobs")

    gl2 = gitlab.Gitlab(sim.url, private_token="glpat-wrong-token")
    try:
        gl2.auth()
        raise AssertionError("a wrong token was accepted")
    except gitlab.exceptions.GitlabAuthenticationError:
        pass


def main():
    warnings.simplefilter("ignore")
    try:
        with Sim() as sim:
            run(sim)
    except AssertionError as e:
        print("FAIL: python-gitlab against duoterm-sim: %s" % e)
        return 1
    except Exception as e:  # noqa: BLE001 - any client error is a fidelity failure
        print("FAIL: python-gitlab raised %s: %s" % (type(e).__name__, e))
        return 1
    print("ok: python-gitlab %s listed MRs, issues, pipelines, jobs and a trace from duoterm-sim" % gitlab.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
