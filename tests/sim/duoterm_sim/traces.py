"""Job traces in the form gitlab-runner writes them: ANSI SGR colours and
section markers `section_start:<unix>:<name>\\r\\e[0K` ... `section_end:...`.

A trace spec (scenario) is either raw text ("trace_text") or a structure:
  {"image": "gcc:13", "runner": "sim-runner-1",
   "script": ["$ make", "cc -c src/x.c", {"section": "deps", "header": "...",
              "collapsed": true, "lines": ["..."]}],
   "artifacts": ["build/"], "exit_code": 2}
"""

from . import util

ESC = "\x1b"
CLR = ESC + "[0K"
RESET = ESC + "[0;m"


def _sec_start(ts, name):
    return "section_start:%d:%s\r%s" % (ts, name, CLR)


def _sec_end(ts, name):
    return "section_end:%d:%s\r%s" % (ts, name, CLR)


def _header(text):
    return "%s%s[36;1m%s%s%s\n" % (CLR, ESC, text, RESET, RESET)


def _green(text):
    return "%s[32;1m%s%s\n" % (ESC, text, RESET)


def script_line(item, ts):
    """One script item -> text.  Strings beginning with "$ " are commands."""
    if isinstance(item, dict) and "section" in item:
        name = item["section"]
        opt = "[collapsed=true]" if item.get("collapsed") else ""
        out = "%ssection_start:%d:%s%s\r%s%s\n" % (CLR, ts, name, opt, CLR, item.get("header", name))
        for sub in item.get("lines", []):
            out += script_line(sub, ts)
        out += "%ssection_end:%d:%s\r%s\n" % (CLR, ts + 1, name, CLR)
        return out
    line = str(item)
    if line.startswith("$ "):
        return _green(line)
    return line + "\n"


class Trace:
    """Renders one job's trace.  `prelude()` is everything up to the first
    script line; `footer(result)` closes the step_script section."""

    def __init__(self, spec, job, project_path, sha, ref):
        self.spec = spec or {}
        self.job = job
        self.project_path = project_path
        self.sha = sha
        self.ref = ref
        start = job.get("started_at") or job.get("created_at")
        self.t0 = util.unix(start) if start else 1748858400

    def prelude(self):
        s = self.spec
        t = self.t0
        image = s.get("image", "gcc:13")
        runner = s.get("runner", "duoterm-sim-runner-1")
        rid = util.token_id("runner:" + runner, 8)
        out = "%sRunning with gitlab-runner 17.11.0 (0f67ff19)%s\n" % (CLR, RESET)
        out += "%s  on %s %s, system ID: s_%s%s\n" % (CLR, runner, rid, util.sha1(runner)[:12], RESET)
        out += _sec_start(t, "prepare_executor") + _header('Preparing the "docker" executor')
        out += "%sUsing Docker executor with image %s ...%s\n" % (CLR, image, RESET)
        out += "%sPulling docker image %s ...%s\n" % (CLR, image, RESET)
        digest = util.sha1("image:" + image) + util.sha1("digest:" + image)[:24]
        out += "%sUsing docker image sha256:%s for %s with digest %s@sha256:%s ...%s\n" % (
            CLR, digest, image, image.split(":")[0], digest[::-1], RESET)
        out += _sec_end(t + 4, "prepare_executor") + _sec_start(t + 4, "prepare_script") + _header("Preparing environment")
        out += "Running on runner-%s-project-%s-concurrent-0 via %s...\n" % (
            rid.lower(), self.job.get("_project_id", 0), runner)
        out += _sec_end(t + 5, "prepare_script") + _sec_start(t + 5, "get_sources")
        out += _header("Getting source from Git repository")
        out += _green("Fetching changes with git depth set to 20...")
        out += "Initialized empty Git repository in /builds/%s/.git/\n" % self.project_path
        out += _green("Created fresh repository.")
        out += _green("Checking out %s as detached HEAD (ref is %s)..." % (self.sha[:8], self.ref))
        out += "\n" + _green("Skipping Git submodules setup")
        out += _sec_end(t + 7, "get_sources") + _sec_start(t + 7, "step_script")
        out += _header('Executing "step_script" stage of the job script')
        return out

    def body(self, items=None):
        items = self.spec.get("script", []) if items is None else items
        return "".join(script_line(it, self.t0 + 8) for it in items)

    def footer(self, result):
        end = self.t0 + 8 + max(int(self.job.get("duration") or 30), 6)
        out = _sec_end(end - 2, "step_script")
        if result == "canceled":
            return out + "%s[0;33mWARNING: Job was canceled%s\n" % (ESC, RESET)
        arts = self.spec.get("artifacts")
        if arts and result == "success":
            out += _sec_start(end - 2, "upload_artifacts_on_success") + _header("Uploading artifacts for successful job")
            out += _green("Uploading artifacts...")
            for a in arts:
                out += "%s: found %d matching artifact files and directories%s \n" % (a, 3 + len(a) % 5, RESET)
            out += _green('Uploading artifacts as "archive" to coordinator... 201 Created') .rstrip("\n")
            out += "  id=%s responseStatus=201 Created\n" % self.job.get("id")
            out += _sec_end(end - 1, "upload_artifacts_on_success")
        out += _sec_start(end - 1, "cleanup_file_variables")
        out += _header("Cleaning up project directory and file based variables")
        out += _sec_end(end, "cleanup_file_variables")
        if result == "success":
            out += _green("Job succeeded")
        else:
            code = self.spec.get("exit_code", 1)
            out += "%s[31;1mERROR: Job failed: exit code %d\n%s\n" % (ESC, code, RESET)
        return out

    def render(self, status):
        """The whole trace for a job in `status`."""
        if status in ("created", "pending", "preparing", "manual", "scheduled", "skipped",
                      "waiting_for_resource", "waiting_for_callback"):
            return ""
        text = self.prelude() + self.body()
        if status in ("success", "failed", "canceled"):
            text += self.footer(status)
        return text
