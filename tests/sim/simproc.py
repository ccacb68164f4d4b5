"""Start and stop duoterm-sim from a Python test.

    from simproc import Sim
    with Sim() as sim:                      # demo scenario, free port
        print(sim.url)                      # http://127.0.0.1:PORT
    with Sim(scenario={"extends": "demo.json", "cable": {"ping_interval_s": 0.5}}):
        ...                                 # a dict is written to a temp file; relative
                                            # "extends" resolve against scenarios/

The simulator runs under /usr/bin/python3 with --exit-on-stdin-eof, so it
dies with the test even if the test is killed."""

import json
import os
import select
import subprocess
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(HERE, "duoterm-sim")
SCENARIOS = os.path.join(HERE, "scenarios")
DEMO_TOKEN = "glpat-demo-0000000000000000"
DEMO_KEY = "sk-demo-0000000000000000"


class Sim:
    def __init__(self, scenario=None, args=(), timeout=10):
        self.scenario = scenario
        self.args = list(args)
        self.timeout = timeout
        self.proc = None
        self.url = None
        self._tmp = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        cmd = ["/usr/bin/python3", SIM, "--port", "0", "--exit-on-stdin-eof"] + self.args
        if isinstance(self.scenario, dict):
            sc = dict(self.scenario)
            if "extends" in sc and not os.path.isabs(sc["extends"]):
                sc["extends"] = os.path.join(SCENARIOS, sc["extends"])
            fd, self._tmp = tempfile.mkstemp(prefix="duoterm-sim-", suffix=".json")
            with os.fdopen(fd, "w") as f:
                json.dump(sc, f)
            cmd += ["--scenario", self._tmp]
        elif self.scenario:
            path = self.scenario if os.path.isabs(self.scenario) else os.path.join(SCENARIOS, self.scenario)
            cmd += ["--scenario", path]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        line = self.proc.stdout.readline().decode() if ready else ""
        prefix = "duoterm-sim listening on "
        if not line.startswith(prefix):
            err = self.proc.stderr.read().decode() if self.proc.poll() is not None else ""
            self.stop()
            raise RuntimeError("duoterm-sim did not start: %r %s" % (line, err.strip()))
        self.url = line[len(prefix):].strip()
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    f.close()
                except OSError:
                    pass
        if self._tmp:
            os.unlink(self._tmp)
            self._tmp = None

    # ------------------------------------------------------------ control
    def control(self, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="POST" if data is not None or path.endswith("reset") else "GET")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=self.timeout) as r:
            return json.loads(r.read())

    def requests(self, since=0):
        return self.control("/__sim/requests?since=%d" % since)

    def push(self, action):
        return self.control("/__sim/push", action)

    def reset(self):
        return self.control("/__sim/reset")

    def wait_for(self, pred, timeout=5.0, step=0.05):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = pred()
            if v:
                return v
            time.sleep(step)
        return pred()
