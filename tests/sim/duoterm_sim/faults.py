"""Fault injection rules (scenario "faults": [...]).

A rule matches by HTTP method (default any) and a regular expression searched
in the raw request path (percent-encoding kept, query excluded); "query" is an
optional second regex searched in the raw query string.  "after": N lets the
first N matching requests through untouched; "times": N fires at most N times
(default: every time).  Kinds:

  latency    wait latency_ms before answering
  status     answer at once with "status" (429 adds Retry-After: retry_after,
             default 1) and a body shaped like the peer's own errors, or "body"
  "429", "500", "502", "503", "529"   shorthands for status
  drop       really abort the connection (TCP RST): at once, or after
             "after_bytes" bytes of the body, or after "after_chunks" stream
             events (SSE) / frames
  truncate   send a Content-Length for the whole body but only "after_bytes"
             (default half); for streams, "after_chunks" events then half of
             the next one, then end the stream cleanly
  malformed  a 200 whose JSON body is cut in half (or "body"); for streams an
             event with broken JSON after "after_chunks" events
"""

import re

BODY_KINDS = ("drop", "truncate", "malformed")


class Rule:
    def __init__(self, spec, index):
        self.spec = spec
        self.index = index
        kind = str(spec.get("kind", "status"))
        if kind.isdigit():
            spec = dict(spec, status=int(kind))
            kind = "status"
        self.kind = kind
        self.status = int(spec.get("status", 500))
        self.method = spec.get("method")
        self.path = re.compile(spec.get("path", ".*"))
        self.query = re.compile(spec["query"]) if spec.get("query") else None
        self.times = spec.get("times")
        self.after = int(spec.get("after", 0))
        self.latency_ms = int(spec.get("latency_ms", 0))
        self.retry_after = spec.get("retry_after", 1 if self.status == 429 else None)
        self.body = spec.get("body")
        self.after_bytes = spec.get("after_bytes")
        self.after_chunks = spec.get("after_chunks")
        self.headers = spec.get("headers", {})
        self.seen = 0
        self.fired = 0
        if self.kind not in ("latency", "status") + BODY_KINDS:
            raise ValueError("fault %d: unknown kind %r" % (index, self.kind))

    def fire(self):
        """Count one application of this rule (match() only finds candidates)."""
        self.fired += 1
        return self

    def describe(self):
        return {"index": self.index, "kind": self.kind, "seen": self.seen, "fired": self.fired}


class Faults:
    def __init__(self, specs):
        self.rules = [Rule(s, i) for i, s in enumerate(specs or [])]

    def reset(self):
        for r in self.rules:
            r.seen = r.fired = 0

    def match(self, method, path, query):
        fired = []
        for r in self.rules:
            if r.method and r.method.upper() != method.upper():
                continue
            if not r.path.search(path):
                continue
            if r.query and not r.query.search(query):
                continue
            r.seen += 1
            if r.seen <= r.after:
                continue
            if r.times is not None and r.fired >= int(r.times):
                continue
            fired.append(r)
        return fired
