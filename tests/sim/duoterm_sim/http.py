"""Response helpers shared by every peer the simulator plays: JSON and text
bodies with ETag / If-None-Match, GitLab offset pagination headers, optional
gzip, body faults (drop, truncate, malformed), SSE streams, and the log of
requests that /__sim/requests returns."""

import asyncio
import fcntl
import gzip
import json
import math
import socket
import struct
import termios
import time
import urllib.parse

from aiohttp import web

from . import util

SECRET_HEADERS = ("private-token", "authorization", "x-api-key", "job-token", "cookie")
LOGGED_HEADERS = (
    "private-token", "authorization", "x-api-key", "accept", "accept-encoding", "content-type",
    "if-none-match", "range", "user-agent", "anthropic-version", "anthropic-beta", "origin",
    "sec-websocket-protocol", "upgrade", "x-request-id", "openai-organization",
)
SECRET_QUERY = ("private_token", "token", "access_token", "job_token", "key", "api-key")


# ------------------------------------------------------------------ request log

class RequestLog:
    def __init__(self, limit=20000):
        self.entries = []
        self.seq = 0
        self.limit = limit
        self.t0 = time.time()

    def reset(self):
        self.entries = []

    def start(self, request):
        self.seq += 1
        q = []
        for k, v in request.rel_url.query.items():
            q.append([k, "[present]" if k.lower() in SECRET_QUERY else v])
        headers = {}
        for name in LOGGED_HEADERS:
            if name in request.headers:
                v = request.headers[name]
                headers[name] = "[present]" if name in SECRET_HEADERS else v
        entry = {
            "seq": self.seq,
            "time": round(time.time() - self.t0, 3),
            "method": request.method,
            "path": request.rel_url.raw_path,
            "query": q,
            "headers": headers,
            "status": None,
            "bytes": 0,
            "duration_ms": None,
            "fault": None,
        }
        entry["_t"] = time.monotonic()
        self.entries.append(entry)
        if len(self.entries) > self.limit:
            del self.entries[: len(self.entries) - self.limit]
        return entry

    @staticmethod
    def finish(entry, status):
        if entry.get("status") is None:
            entry["status"] = status
        entry["duration_ms"] = round((time.monotonic() - entry.pop("_t", time.monotonic())) * 1000, 1)

    def public(self, since=0, path_re=None):
        out = []
        for e in self.entries:
            if e["seq"] <= since:
                continue
            if path_re and not path_re.search(e["path"]):
                continue
            out.append({k: v for k, v in e.items() if not k.startswith("_")})
        return out


def record_body(request, raw):
    """Keep a request body in the log (JSON parsed when it parses)."""
    entry = request.get("sim_entry")
    if entry is None or not raw:
        return
    try:
        entry["body"] = json.loads(raw)
    except ValueError:
        entry["body"] = raw[:65536].decode("utf-8", "replace")


def note_fault(request, kind):
    entry = request.get("sim_entry")
    if entry is not None:
        entry["fault"] = kind


# ------------------------------------------------------------------ cutting

def _unacked(sock):
    """Bytes of the socket's send queue the peer has not acknowledged."""
    try:
        return struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
    except (OSError, ValueError):
        return 0


async def cut_connection(request, abort=True):
    """Flush what was written, then end the connection: abort sends a TCP RST
    (SO_LINGER 0), otherwise a plain close (FIN)."""
    tr = request.transport
    if tr is None:
        return
    for _ in range(200):
        if tr.get_write_buffer_size() == 0:
            break
        await asyncio.sleep(0.005)
    if abort:
        sock = tr.get_extra_info("socket")
        # what was written must reach the client and be read before the
        # reset: a reset discards data not yet sent, and the client's kernel
        # may drop what it has not read (a slow, sanitized client lost the
        # chunks before a mid-stream drop and retried as if none came)
        for _ in range(200):
            if sock is None or _unacked(sock) == 0:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.1)
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        tr.abort()
    else:
        tr.close()
    request["sim_cut"] = True


# ------------------------------------------------------------------ bodies

def etag_matches(header, tag):
    if header.strip() == "*":
        return True
    bare = tag[2:] if tag.startswith("W/") else tag
    for item in header.split(","):
        item = item.strip()
        if item.startswith("W/"):
            item = item[2:]
        if item == bare:
            return True
    return False


async def send(request, status, body, content_type="application/json", headers=None):
    """Send a complete body, applying ETag/304, gzip and body faults."""
    sim = request.app["sim"]
    headers = dict(headers or {})
    if isinstance(body, str):
        body = body.encode("utf-8")
    headers["Content-Type"] = content_type
    headers.setdefault("Cache-Control", "max-age=0, private, must-revalidate")
    headers.setdefault("X-Request-Id", util.token_id("req:%d" % request["sim_seq"], 26))
    if request.method in ("GET", "HEAD") and status in (200, 206) and sim.scenario.get("etag", True):
        tag = util.etag_of(body)
        headers["ETag"] = tag
        inm = request.headers.get("If-None-Match")
        if inm and status == 200 and etag_matches(inm, tag):
            del headers["Content-Type"]
            return web.Response(status=304, headers=headers)
    fault = request.get("sim_fault")
    if fault is not None and fault.kind == "malformed":
        note_fault(request, "malformed")
        body = fault.body.encode() if fault.body is not None else body[: max(1, len(body) // 2)]
    if (sim.scenario.get("gzip") and "gzip" in request.headers.get("Accept-Encoding", "")
            and len(body) > 256 and (fault is None or fault.kind == "malformed")):
        body = gzip.compress(body, mtime=0)
        headers["Content-Encoding"] = "gzip"
        headers["Vary"] = "Accept-Encoding"
    entry = request.get("sim_entry")
    if entry is not None:
        entry["bytes"] = len(body)
    if fault is not None and fault.kind in ("drop", "truncate"):
        note_fault(request, fault.kind)
        n = fault.after_bytes if fault.after_bytes is not None else len(body) // 2
        resp = web.StreamResponse(status=status, headers=headers)
        resp.content_length = len(body)
        await resp.prepare(request)
        if n:
            await resp.write(body[:n])
        await cut_connection(request, abort=(fault.kind == "drop"))
        return resp
    return web.Response(status=status, body=body, headers=headers)


async def send_json(request, obj, status=200, headers=None):
    return await send(request, status, util.dumps_bytes(obj), "application/json", headers)


def api_error(status, message):
    """GitLab's error body: {"message": "404 Project Not Found"}."""
    return status, {"message": message}


# ------------------------------------------------------------------ pagination

def _link(base, path, params):
    return "<%s%s?%s>" % (base, path, urllib.parse.urlencode(params))


def paginate(request, items, default_per_page=20):
    """GitLab offset pagination: returns (page_items, headers)."""
    sim = request.app["sim"]
    q = request.rel_url.query
    per_page = util.to_int(q.get("per_page"), default_per_page)
    if per_page < 1:
        per_page = default_per_page
    per_page = min(per_page, 100)
    page = max(1, util.to_int(q.get("page"), 1))
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    rows = items[(page - 1) * per_page: page * per_page]
    params = {k: v for k, v in q.items() if k not in ("page", "per_page") and k.lower() not in SECRET_QUERY}

    def url(n):
        d = dict(params, page=str(n), per_page=str(per_page))
        return _link(sim.origin, request.rel_url.raw_path, sorted(d.items()))

    links = []
    if page > 1:
        links.append(url(page - 1) + '; rel="prev"')
    if page < pages:
        links.append(url(page + 1) + '; rel="next"')
    links.append(url(1) + '; rel="first"')
    links.append(url(pages) + '; rel="last"')
    headers = {
        "Link": ", ".join(links),
        "x-next-page": str(page + 1) if page < pages else "",
        "x-page": str(page),
        "x-per-page": str(per_page),
        "x-prev-page": str(page - 1) if page > 1 else "",
        "x-total": str(total),
        "x-total-pages": str(pages),
    }
    return rows, headers


def paginate_keyset(request, items, key="id"):
    """GitLab keyset pagination (order_by=id): only a Link rel="next"."""
    sim = request.app["sim"]
    q = request.rel_url.query
    per_page = min(max(1, util.to_int(q.get("per_page"), 20)), 100)
    sort = q.get("sort", "desc")
    rows = sorted(items, key=lambda r: r[key], reverse=(sort != "asc"))
    after = util.to_int(q.get("id_after"), None)
    before = util.to_int(q.get("id_before"), None)
    if after is not None:
        rows = [r for r in rows if r[key] > after]
    if before is not None:
        rows = [r for r in rows if r[key] < before]
    page = rows[:per_page]
    headers = {}
    if len(rows) > per_page:
        params = [(k, v) for k, v in q.items() if k not in ("id_after", "id_before") and k.lower() not in SECRET_QUERY]
        params.append(("id_after" if sort == "asc" else "id_before", str(page[-1][key])))
        headers["Link"] = _link(sim.origin, request.rel_url.raw_path, params) + '; rel="next"'
    return page, headers


# ------------------------------------------------------------------ SSE streams

class Stream:
    """A chunked text/event-stream response.  send() writes one event (one
    chunk) and returns False once a fault has ended the stream."""

    def __init__(self, request, headers=None):
        self.request = request
        self.headers = dict(headers or {})
        self.resp = None
        self.count = 0
        self.ended = False
        self.fault = request.get("sim_fault")

    async def start(self):
        h = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}
        h.update(self.headers)
        self.resp = web.StreamResponse(status=200, headers=h)
        self.resp.enable_chunked_encoding()
        await self.resp.prepare(self.request)

    async def _write(self, data):
        b = data.encode("utf-8")
        entry = self.request.get("sim_entry")
        if entry is not None:
            entry["bytes"] += len(b)
        try:
            await self.resp.write(b)
        except (ConnectionError, RuntimeError):
            self.ended = True

    async def send(self, event):
        if self.ended:
            return False
        f = self.fault
        if f is not None:
            at = f.after_chunks if f.after_chunks is not None else 3
            if f.kind == "drop" and self.count >= at:
                note_fault(self.request, "drop")
                await cut_connection(self.request, abort=True)
                self.ended = True
                return False
            if f.kind == "truncate" and self.count >= at:
                note_fault(self.request, "truncate")
                await self._write(event[: max(1, len(event) // 2)])
                self.ended = True
                return False
            if f.kind == "malformed" and self.count == at:
                note_fault(self.request, "malformed")
                await self._write(f.body if f.body is not None else 'data: {"id":"broken","choices":[{"delta":{"content":\n\n')
        await self._write(event)
        self.count += 1
        return not self.ended

    async def finish(self):
        if self.request.get("sim_cut"):
            return self.resp
        try:
            await self.resp.write_eof()
        except (ConnectionError, RuntimeError):
            pass
        return self.resp
