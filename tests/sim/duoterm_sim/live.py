"""Things that happen over time: jobs whose trace grows while they run, the
scenario's timeline, and retried jobs."""

import asyncio

from .traces import script_line


class Live:
    def __init__(self, sim):
        self.sim = sim
        self.tasks = set()

    def _spawn(self, coro):
        t = asyncio.ensure_future(coro)
        self.tasks.add(t)
        t.add_done_callback(self.tasks.discard)
        return t

    @property
    def enabled(self):
        return self.sim.scenario.get("live", True) is not False

    def start(self):
        if not self.enabled:
            return
        for job in self.sim.world.jobs.values():
            live = job.get("_live")
            if live and live["start"] == "startup":
                self.schedule(job)
        for entry in self.sim.scenario.get("timeline", []):
            self._spawn(self._timeline(entry))

    def stop(self):
        for t in list(self.tasks):
            t.cancel()
        self.tasks.clear()

    def trace_requested(self, job):
        live = job.get("_live")
        if live and live["start"] == "first_trace" and not live["started"] and self.enabled:
            self.schedule(job)

    def schedule(self, job):
        live = job.get("_live")
        if not live or live["started"]:
            return
        live["started"] = True
        self._spawn(self._run(job, live))

    async def _run(self, job, live):
        w = self.sim.world
        await asyncio.sleep(live["start_after_ms"] / 1000)
        if live.get("cancelled"):
            return
        if job["status"] != "running":
            w.set_job_status(job, "running")
        if not job["_trace"]:
            w.append_trace(job, job["_tracer"].prelude())
        interval = live["interval_ms"] / 1000
        for item in live["lines"]:
            await asyncio.sleep(interval)
            if live.get("cancelled") or job["status"] != "running":
                return
            w.append_trace(job, script_line(item, job["_tracer"].t0 + 8))
        await asyncio.sleep(interval)
        if live.get("cancelled") or job["status"] != "running":
            return
        result = live["then"]
        w.append_trace(job, job["_tracer"].footer(result))
        w.set_job_status(job, result)
        if result in ("failed", "canceled"):
            pl = job["_pipeline"]
            stages = []
            for j in pl["jobs"]:
                if j["stage"] not in stages:
                    stages.append(j["stage"])
            later = stages[stages.index(job["stage"]) + 1:]
            for j in pl["jobs"]:
                if j["stage"] in later and j["status"] in ("created", "pending") and not j.get("_retried"):
                    w.set_job_status(j, "skipped")

    async def _timeline(self, entry):
        from . import control
        await asyncio.sleep(float(entry.get("at_ms", 0)) / 1000)
        actions = entry.get("do")
        for action in actions if isinstance(actions, list) else [actions]:
            try:
                await control.apply(self.sim, action)
            except (KeyError, ValueError) as e:
                self.sim.warn("timeline entry failed: %s" % e)
