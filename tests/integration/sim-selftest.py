#!/usr/bin/python3
"""Self-test of duoterm-sim: GitLab pagination, ETag/304, 401/403, Range on
traces, live traces, the OpenAI and Anthropic streams (parsed and checked
against the shapes of the recorded streams), ActionCable (welcome, ping,
confirm, reject, no reply, unauthorized, pushes), every fault kind, the
/__sim endpoints and the command line.  Talks only to 127.0.0.1.
Exit 0 pass, 77 skip (aiohttp missing), 1 fail."""

import asyncio
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sim"))

try:
    import aiohttp
except ImportError:
    print("skip: python3-aiohttp is not importable under /usr/bin/python3 (apt-get install python3-aiohttp)")
    sys.exit(77)

from simproc import DEMO_KEY, DEMO_TOKEN, SIM, Sim  # noqa: E402

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
P = "/api/v4/projects/duoterm-demo%2Ftools%2Fsandbox"
AUTH = {"PRIVATE-TOKEN": DEMO_TOKEN}


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


# ------------------------------------------------------------------ HTTP helpers

class Resp:
    def __init__(self, status, headers, body, error=None):
        self.status = status
        self.headers = headers
        self.body = body
        self.error = error

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def json(self):
        return json.loads(self.body)


def req(sim, method, path, headers=None, body=None, timeout=10):
    """One request on a fresh connection; transport errors end up in .error."""
    conn = http.client.HTTPConnection("127.0.0.1", sim.port, timeout=timeout)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else body
        h.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        headers_ = r.getheaders()
        status = r.status
        got = []
        try:
            while True:
                piece = r.read1(65536)
                if not piece:
                    break
                got.append(piece)
            body = b"".join(got)
            clen = r.getheader("Content-Length")
            if clen is not None and len(body) < int(clen):
                return Resp(status, headers_, body, error=http.client.IncompleteRead(body, int(clen) - len(body)))
            return Resp(status, headers_, body)
        except (http.client.IncompleteRead, ConnectionError) as e:
            partial = e.partial if isinstance(e, http.client.IncompleteRead) else b""
            return Resp(status, headers_, b"".join(got) + partial, error=e)
    except (ConnectionError, http.client.RemoteDisconnected, socket.timeout) as e:
        return Resp(None, [], b"", error=e)
    finally:
        conn.close()


def get(sim, path, **kw):
    kw.setdefault("headers", AUTH)
    return req(sim, "GET", path, **kw)


def sse_events(raw):
    """Split an SSE body into events: list of dicts {field: value}."""
    text = raw.decode("utf-8")
    check("\r" not in text, "SSE uses LF line endings")
    events = []
    for block in text.split("\n\n"):
        if not block:
            continue
        ev = {}
        for line in block.split("\n"):
            name, _, value = line.partition(": ")
            check(name in ("data", "event"), "unexpected SSE line %r" % line[:80])
            ev[name] = value
        events.append(ev)
    check(text.endswith("\n\n"), "SSE body ends with a blank line")
    return events


# ------------------------------------------------------------------ GitLab

def t_auth(sim):
    r = get(sim, "/api/v4/user", headers={})
    check(r.status == 401 and r.json() == {"message": "401 Unauthorized"}, "no token -> 401: %s %r" % (r.status, r.body))
    r = get(sim, "/api/v4/user", headers={"PRIVATE-TOKEN": "glpat-wrong"})
    check(r.status == 401, "wrong token -> 401")
    r = get(sim, "/api/v4/user", headers={"Authorization": "Bearer " + DEMO_TOKEN})
    check(r.status == 200 and r.json()["username"] == "dana", "bearer token")
    r = get(sim, "/api/v4/personal_access_tokens/self")
    check(r.status == 200 and "api" in r.json()["scopes"], "token scopes")
    r = req(sim, "POST", P + "/issues/1/notes", headers={"PRIVATE-TOKEN": "glpat-readonly-000000000000"},
            body={"body": "x"})
    check(r.status == 403 and r.json()["error"] == "insufficient_scope", "read-only token cannot write: %s" % r.status)
    r = get(sim, "/api/v4/nonexistent")
    check(r.status == 404 and r.json() == {"error": "404 Not Found"}, "unknown API route")
    r = get(sim, "/api/v4/projects/nope%2Fnope")
    check(r.status == 404 and r.json() == {"message": "404 Project Not Found"}, "unknown project")


def t_pagination(sim):
    seen = []
    for page in (1, 2, 3):
        r = get(sim, P + "/merge_requests?state=all&per_page=3&page=%d" % page)
        check(r.status == 200, "MR list page %d" % page)
        h = {k.lower(): v for k, v in r.headers}
        check(h["x-page"] == str(page) and h["x-per-page"] == "3" and h["x-total"] == "8" and h["x-total-pages"] == "3",
              "x-* headers on page %d: %r" % (page, h))
        check(h["x-next-page"] == (str(page + 1) if page < 3 else ""), "x-next-page on page %d" % page)
        check(h["x-prev-page"] == (str(page - 1) if page > 1 else ""), "x-prev-page on page %d" % page)
        links = dict((rel, url) for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', h["link"]))
        want = {"first", "last"} | ({"prev"} if page > 1 else set()) | ({"next"} if page < 3 else set())
        check(set(links) == want, "Link rels on page %d: %r" % (page, sorted(links)))
        for url in links.values():
            check(url.startswith(sim.url + P + "/merge_requests?"), "absolute Link url %r" % url)
        if "next" in links:
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(links["next"]).query)
            check(q["page"] == [str(page + 1)] and q["state"] == ["all"] and q["per_page"] == ["3"], "next url keeps params")
        seen += [m["iid"] for m in r.json()]
    check(sorted(seen) == list(range(1, 9)), "pages cover all MRs once: %r" % seen)
    r = get(sim, P + "/merge_requests?per_page=1000")
    check(dict((k.lower(), v) for k, v in r.headers)["x-per-page"] == "100", "per_page capped at 100")
    r = get(sim, P + "/issues?state=all")
    check(dict((k.lower(), v) for k, v in r.headers)["x-per-page"] == "20", "per_page defaults to 20")
    # keyset on /projects
    url = "/api/v4/projects?pagination=keyset&per_page=2&order_by=id&sort=asc"
    ids = []
    for _ in range(10):
        r = get(sim, url)
        check(r.status == 200, "keyset page")
        check(r.header("x-total") is None and r.header("x-next-page") is None, "keyset has no offset headers")
        ids += [p["id"] for p in r.json()]
        link = r.header("Link")
        if not link:
            break
        m = re.fullmatch(r'<([^>]+)>; rel="next"', link)
        check(m and m.group(1).startswith(sim.url), "keyset Link has only rel=next: %r" % link)
        url = m.group(1)[len(sim.url):]
    check(ids == sorted(ids) and len(ids) == 6 and len(set(ids)) == 6, "keyset walk: %r" % ids)


def t_etag(sim):
    path = P + "/issues/3/notes"
    r = get(sim, path)
    tag = r.header("ETag")
    check(r.status == 200 and tag and tag.startswith('W/"'), "ETag on GET: %r" % tag)
    r2 = get(sim, path, headers=dict(AUTH, **{"If-None-Match": tag}))
    check(r2.status == 304 and r2.body == b"", "If-None-Match -> 304 with empty body (%s)" % r2.status)
    r3 = req(sim, "POST", path, headers=AUTH, body={"body": "A new note."})
    check(r3.status == 201 and r3.json()["body"] == "A new note.", "POST note -> 201")
    r4 = get(sim, path, headers=dict(AUTH, **{"If-None-Match": tag}))
    check(r4.status == 200 and r4.header("ETag") != tag, "changed resource -> 200 with a new ETag")


def t_shapes(sim):
    mrs = {m["iid"]: m for m in get(sim, P + "/merge_requests?state=all").json()}
    st = {m["detailed_merge_status"] for m in mrs.values()}
    for s in ("draft_status", "mergeable", "conflict", "ci_still_running", "not_approved", "not_open", "merge_window_closed"):
        check(s in st, "an MR with detailed_merge_status %s" % s)
    for iid in mrs:
        one = get(sim, P + "/merge_requests/%d" % iid).json()
        check(isinstance(one["changes_count"], str), "changes_count is a string")
        check(one["head_pipeline"] is None or one["head_pipeline"]["detailed_status"]["group"], "head_pipeline")
        for k in ("created_at", "updated_at"):
            check(ISO.match(one[k]), "date %s=%r" % (k, one[k]))
        check(one["web_url"].startswith(sim.url + "/duoterm-demo/tools/sandbox/-/merge_requests/"), "MR web_url")
        check(one["merged_at"] is None or ISO.match(one["merged_at"]), "merged_at")
    check(get(sim, P + "/merge_requests/5").json()["head_pipeline"] is None, "MR !5 head_pipeline null")
    check(mrs[1]["draft"] is True and mrs[3]["has_conflicts"] is True, "draft / has_conflicts")
    ap = get(sim, P + "/merge_requests/6/approvals").json()
    check(ap["approvals_required"] == 2 and ap["approvals_left"] == 1 and len(ap["approved_by"]) == 1, "approvals")
    r = get(sim, P + "/merge_requests/3/diffs?per_page=2")
    check(r.header("x-total") == "3" and len(r.json()) == 2 and r.json()[0]["diff"].startswith("@@"), "paginated /diffs")
    discs = get(sim, P + "/merge_requests/2/discussions").json()
    check(any(not d["individual_note"] and d["notes"][0]["type"] == "DiffNote" and d["notes"][0]["position"]["new_line"]
              for d in discs), "a DiffNote discussion with a position")
    issue = get(sim, P + "/issues/2").json()
    check(issue["assignees"][0]["username"] == "lchen" and issue["milestone"]["title"] == "v0.3", "issue shape")
    check(len(get(sim, P + "/issues?state=opened").json()) == 6, "issues state filter")
    check([i["iid"] for i in get(sim, P + "/issues?search=thread-safety&state=all").json()] == [5], "issues search")
    pls = get(sim, P + "/pipelines").json()
    check({p["status"] for p in pls} >= {"success", "failed", "running", "canceled", "manual"}, "pipeline statuses")
    check([p["id"] for p in get(sim, P + "/pipelines?ref=main").json()] == [307, 305], "pipelines ref filter")
    jobs = get(sim, P + "/pipelines/307/jobs").json()
    check([j["stage"] for j in jobs] == ["build", "test", "test", "deploy", "deploy"], "jobs grouped by stage")
    check(jobs[-1]["status"] == "manual" and jobs[0]["runner"] is not None, "job shape")
    j = get(sim, P + "/jobs/3081").json()
    check(j["status"] == "failed" and j["failure_reason"] == "script_failure", "failed job")
    check(get(sim, "/api/v4/projects/42").body == get(sim, P).body, "project by id == by path")
    v = get(sim, "/api/v4/version").json()
    check(v["version"] and "revision" in v, "version")


def t_trace(sim):
    r = get(sim, P + "/jobs/3092/trace")
    text = r.body.decode()
    check(r.status == 200 and r.header("Content-Type").startswith("text/plain"), "trace is text/plain")
    check(re.search(r"section_start:\d+:step_script\r\x1b\[0K", text), "runner section markers")
    check("[collapsed=true]\r\x1b[0K" in text, "collapsed section option")
    check("\x1b[32;1m$ make check\x1b[0;m" in text and "\x1b[36;1m" in text, "ANSI SGR")
    r2 = get(sim, P + "/jobs/3092/trace", headers=dict(AUTH, Range="bytes=100-"))
    check(r2.status == 206 and r2.body == r.body[100:], "Range bytes=100- -> 206 with the rest")
    check(r2.header("Content-Range") == "bytes 100-%d/%d" % (len(r.body) - 1, len(r.body)), "Content-Range")
    r3 = get(sim, P + "/jobs/3092/trace", headers=dict(AUTH, Range="bytes=%d-" % len(r.body)))
    check(r3.status == 416, "Range past the end -> 416")
    # live: the trace of the running test:asan job grows once it is read
    size0 = len(get(sim, P + "/jobs/3124/trace").body)
    grown = sim.wait_for(lambda: len(get(sim, P + "/jobs/3124/trace").body) > size0 + 100, timeout=4)
    check(grown, "running job's trace grows")
    tail = get(sim, P + "/jobs/3124/trace", headers=dict(AUTH, Range="bytes=%d-" % size0))
    check(tail.status == 206 and len(tail.body) > 100, "incremental fetch of a growing trace")
    sim.push({"type": "trace_append", "id": 3124, "text": "pushed line\n"})
    check(get(sim, P + "/jobs/3124/trace").body.endswith(b"pushed line\n"), "trace_append push")


def t_job_actions(sim):
    r = req(sim, "POST", P + "/jobs/3123/retry", headers=AUTH)
    check(r.status == 201 and r.json()["status"] == "pending" and r.json()["id"] > 3125, "retry -> new pending job")
    new = r.json()["id"]
    check(sim.wait_for(lambda: get(sim, P + "/jobs/%d" % new).json()["status"] == "success", timeout=10),
          "retried job runs and succeeds")
    check(b"Job succeeded" in get(sim, P + "/jobs/%d/trace" % new).body, "retried job has a trace")
    r = req(sim, "POST", P + "/jobs/3124/retry", headers=AUTH)
    check(r.status == 403, "retrying a running job -> 403")
    r = req(sim, "POST", P + "/jobs/3111/cancel", headers=AUTH)
    check(r.status == 201 and r.json()["status"] == "canceled", "cancel")


# ------------------------------------------------------------------ model

def chat(sim, messages, stream=True, usage=True, key=DEMO_KEY, **extra):
    body = {"model": "demo-model", "messages": messages, "stream": stream}
    if usage:
        body["stream_options"] = {"include_usage": True}
    body.update(extra)
    return req(sim, "POST", "/v1/chat/completions", headers={"Authorization": "Bearer " + key}, body=body)


def parse_openai(sim, r):
    check(r.status == 200 and r.header("Content-Type").startswith("text/event-stream"), "OpenAI stream content type")
    events = sse_events(r.body)
    check(all(set(e) == {"data"} for e in events), "OpenAI stream has only data: lines")
    check(events[-1]["data"] == "[DONE]", "stream ends with data: [DONE]")
    chunks = [json.loads(e["data"]) for e in events[:-1]]
    keys = ["id", "object", "created", "model", "system_fingerprint", "choices"]
    for c in chunks:
        check(list(c)[:6] == keys and c["object"] == "chat.completion.chunk", "chunk keys %r" % list(c))
        check(len({c["id"] for c in chunks}) == 1, "one id per stream")
    first = chunks[0]["choices"][0]
    check(first["delta"]["role"] == "assistant" and first["finish_reason"] is None and "logprobs" in first, "first chunk")
    text, calls, finish, usage = "", {}, None, None
    for c in chunks:
        if not c["choices"]:
            usage = c["usage"]
            continue
        ch = c["choices"][0]
        check(list(ch) == ["index", "delta", "logprobs", "finish_reason"], "choice keys %r" % list(ch))
        d = ch["delta"]
        text += d.get("content") or ""
        for tc in d.get("tool_calls", []):
            if "id" in tc:
                check(tc["type"] == "function" and tc["function"]["arguments"] == "" and tc["id"].startswith("call_"),
                      "tool call start chunk: %r" % tc)
                check(tc["index"] not in calls, "tool call index started twice")
                calls[tc["index"]] = {"id": tc["id"], "name": tc["function"]["name"], "args": ""}
            else:
                check(set(tc) == {"index", "function"} and set(tc["function"]) == {"arguments"}, "fragment %r" % tc)
                calls[tc["index"]]["args"] += tc["function"]["arguments"]
        if ch["finish_reason"]:
            check(d == {}, "finish chunk has an empty delta")
            finish = ch["finish_reason"]
    check(finish is not None, "a finish_reason chunk")
    if usage is not None:
        check(chunks[-1]["choices"] == [] and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"],
              "usage chunk last, choices []")
    return text, [calls[i] for i in sorted(calls)], finish, usage


def t_openai(sim):
    r = chat(sim, [{"role": "user", "content": "Why does the test:asan job fail?"}], key="sk-wrong")
    check(r.status == 401 and r.json()["error"]["code"] == "invalid_api_key", "OpenAI bad key -> 401")
    check(b"sk-wrong" not in r.body, "bad key not echoed")
    msgs = [{"role": "system", "content": "You are duoterm."},
            {"role": "user", "content": "Why does the test:asan job fail?"}]
    text, calls, finish, usage = parse_openai(sim, chat(sim, msgs))
    check(finish == "tool_calls" and [c["name"] for c in calls] == ["update_plan"], "turn 1 is update_plan")
    check(text == "I'll start with a short plan.", "turn 1 text %r" % text)
    plan = json.loads(calls[0]["args"])
    check(plan["steps"][0]["status"] == "in_progress", "update_plan arguments parse")
    check(usage["prompt_tokens"] == 1240, "scripted usage")
    # the same request again (a retry) gets the same turn
    text2, calls2, _, _ = parse_openai(sim, chat(sim, msgs))
    check(calls2[0]["id"] == calls[0]["id"], "a retried request gets the same turn")
    msgs += [{"role": "assistant", "content": text, "tool_calls": [
        {"id": calls[0]["id"], "type": "function", "function": {"name": "update_plan", "arguments": calls[0]["args"]}}]},
        {"role": "tool", "tool_call_id": calls[0]["id"], "content": "plan updated"}]
    text, calls, finish, usage = parse_openai(sim, chat(sim, msgs, usage=False))
    check(usage is None, "no usage chunk without include_usage")
    check([c["name"] for c in calls] == ["update_plan", "read_file"], "turn 2: two parallel tool calls")
    check(json.loads(calls[1]["args"]) == {"path": "src/lastn.c"}, "read_file arguments")
    msgs += [{"role": "assistant", "content": text, "tool_calls": [
        {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["args"]}} for c in calls]}]
    msgs += [{"role": "tool", "tool_call_id": c["id"], "content": "ok"} for c in calls]
    text, calls, finish, _ = parse_openai(sim, chat(sim, msgs))
    check(finish == "stop" and not calls and "getline()" in text and "```c" in text, "turn 3: the text answer")
    msgs += [{"role": "assistant", "content": text}, {"role": "user", "content": "thanks"}]
    text, calls, finish, _ = parse_openai(sim, chat(sim, msgs))
    check("only know one script" in text, "fallback after the script")
    # non-stream
    r = chat(sim, [{"role": "user", "content": "go"}], stream=False, usage=False)
    j = r.json()
    check(j["object"] == "chat.completion" and j["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "update_plan"
          and j["choices"][0]["finish_reason"] == "tool_calls" and j["usage"]["completion_tokens"] > 0, "non-stream shape")
    r = req(sim, "GET", "/v1/models", headers={"Authorization": "Bearer " + DEMO_KEY})
    check(r.json()["object"] == "list" and r.json()["data"][0]["object"] == "model", "OpenAI /v1/models")
    # benchmark turn: 5000 tokens as fast as possible
    t0 = time.monotonic()
    text, _, finish, usage = parse_openai(sim, chat(sim, [{"role": "user", "content": "/bench-stream"}]))
    dt = time.monotonic() - t0
    check(len(text.split()) == 5000 and usage["completion_tokens"] == 5000 and dt < 5, "5000-token stream in %.2fs" % dt)
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    r = req(sim, "POST", "/openai/deployments/gpt4/chat/completions?api-version=2024-10-21",
            headers={"api-key": DEMO_KEY}, body=body)
    check(r.status == 200, "Azure deployment URL with api-key")


def anthropic(sim, messages, stream=True, key=DEMO_KEY, version="2023-06-01"):
    h = {"x-api-key": key}
    if version:
        h["anthropic-version"] = version
    return req(sim, "POST", "/v1/messages", headers=h,
               body={"model": "demo-model", "max_tokens": 1024, "messages": messages, "stream": stream})


def parse_anthropic(r):
    check(r.status == 200 and r.header("Content-Type").startswith("text/event-stream"), "Anthropic stream")
    events = sse_events(r.body)
    check(all(list(e) == ["event", "data"] for e in events), "each Anthropic event is event: + data:")
    check(all(e["data"] != "[DONE]" for e in events), "no [DONE] in Anthropic streams")
    data = [json.loads(e["data"]) for e in events]
    for e, d in zip(events, data):
        check(e["event"] == d["type"], "event name matches type")
    names = [d["type"] for d in data]
    check(names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"], "event order %r" % names)
    check("ping" in names and events[names.index("ping")]["data"] == '{"type": "ping"}', "ping event as recorded")
    ms = data[0]["message"]
    check(ms["content"] == [] and ms["stop_reason"] is None and ms["usage"]["output_tokens"] == 1, "message_start")
    blocks, open_ = {}, set()
    for d in data:
        if d["type"] == "content_block_start":
            blocks[d["index"]] = dict(d["content_block"], _json="")
            open_.add(d["index"])
        elif d["type"] == "content_block_delta":
            check(d["index"] in open_, "delta for an open block")
            dl = d["delta"]
            if dl["type"] == "text_delta":
                blocks[d["index"]]["text"] += dl["text"]
            else:
                check(dl["type"] == "input_json_delta", "delta type")
                blocks[d["index"]]["_json"] += dl["partial_json"]
        elif d["type"] == "content_block_stop":
            open_.discard(d["index"])
    check(not open_, "all blocks closed")
    for b in blocks.values():
        if b["type"] == "tool_use":
            check(b["input"] == {} and b["id"].startswith("toolu_"), "tool_use start has input {}")
            b["input"] = json.loads(b["_json"]) if b["_json"] else {}
    md = data[-2]
    return [blocks[i] for i in sorted(blocks)], md["delta"]["stop_reason"], md["usage"]["output_tokens"]


def t_anthropic(sim):
    r = anthropic(sim, [{"role": "user", "content": "why?"}], key="sk-wrong")
    check(r.status == 401 and r.json()["error"]["type"] == "authentication_error", "Anthropic bad key -> 401")
    r = anthropic(sim, [{"role": "user", "content": "why?"}], version=None)
    check(r.status == 400, "missing anthropic-version -> 400")
    msgs = [{"role": "user", "content": "Why does the test:asan job fail?"}]
    blocks, stop, out = parse_anthropic(anthropic(sim, msgs))
    check(stop == "tool_use" and [b["type"] for b in blocks] == ["text", "tool_use"], "turn 1 blocks %r" % blocks)
    check(blocks[1]["name"] == "update_plan" and blocks[1]["input"]["steps"], "update_plan input")
    msgs += [{"role": "assistant", "content": [{"type": "text", "text": blocks[0]["text"]},
                                                {"type": "tool_use", "id": blocks[1]["id"], "name": "update_plan",
                                                 "input": blocks[1]["input"]}]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": blocks[1]["id"], "content": "ok"}]}]
    blocks, stop, _ = parse_anthropic(anthropic(sim, msgs))
    check([b.get("name") for b in blocks] == [None, "update_plan", "read_file"], "turn 2 blocks")
    check(blocks[2]["input"] == {"path": "src/lastn.c"}, "read_file input")
    msgs += [{"role": "assistant", "content": [{"type": "tool_use", "id": b["id"], "name": b["name"], "input": b["input"]}
                                               for b in blocks[1:]]},
             {"role": "user", "content": [{"type": "tool_result", "tool_use_id": b["id"], "content": "ok"} for b in blocks[1:]]}]
    blocks, stop, _ = parse_anthropic(anthropic(sim, msgs))
    check(stop == "end_turn" and blocks[0]["type"] == "text" and "getline()" in blocks[0]["text"], "turn 3 text")
    r = anthropic(sim, [{"role": "user", "content": "go"}], stream=False)
    j = r.json()
    check(j["type"] == "message" and j["content"][1]["type"] == "tool_use" and j["stop_reason"] == "tool_use", "non-stream")
    r = req(sim, "GET", "/v1/models", headers={"x-api-key": DEMO_KEY, "anthropic-version": "2023-06-01"})
    check(r.json()["data"][0]["type"] == "model" and r.json()["has_more"] is False, "Anthropic /v1/models")


# ------------------------------------------------------------------ ActionCable

def t_cable(sim):
    asyncio.run(_cable(sim))


async def _recv(ws, timeout=2.0, skip_ping=True):
    end = time.monotonic() + timeout
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return None
        try:
            msg = await ws.receive(timeout=left)
        except asyncio.TimeoutError:
            return None
        if msg.type != aiohttp.WSMsgType.TEXT:
            return {"_closed": msg.type.name}
        data = json.loads(msg.data)
        if skip_ping and data.get("type") == "ping":
            continue
        return data


async def _cable(sim):
    url = sim.url.replace("http", "ws", 1) + "/-/cable"
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(url + "?token=bad", protocols=("actioncable-v1-json",)) as ws:
            m = await _recv(ws)
            check(m == {"type": "disconnect", "reason": "unauthorized", "reconnect": False}, "bad token -> disconnect: %r" % m)
            m = await _recv(ws)
            check(m and "_closed" in m, "closed after disconnect")
        async with s.ws_connect(url, protocols=("actioncable-v1-json",),
                                headers={"Authorization": "Bearer " + DEMO_TOKEN}) as ws:
            check(ws.protocol == "actioncable-v1-json", "subprotocol negotiated")
            check(await _recv(ws) == {"type": "welcome"}, "welcome")
            t0 = time.monotonic()
            m = await _recv(ws, timeout=2, skip_ping=False)
            check(m and m["type"] == "ping" and isinstance(m["message"], int) and time.monotonic() - t0 < 1.5, "ping")
            ident = json.dumps({"channel": "GraphqlChannel",
                                "query": "subscription ciJobStatusUpdated($jobId: CiJobID!) { ciJobStatusUpdated(jobId: $jobId) { id status } }",
                                "variables": {"jobId": "gid://gitlab/Ci::Build/3124"}, "nonce": "n-1"}, separators=(", ", ": "))
            await ws.send_str(json.dumps({"command": "subscribe", "identifier": ident}))
            m1, m2 = await _recv(ws), await _recv(ws)
            check(m1 == {"identifier": ident, "message": {"result": {"data": {"ciJobStatusUpdated": None}}, "more": True}},
                  "initial GraphQL result: %r" % m1)
            check(m2 == {"identifier": ident, "type": "confirm_subscription"}, "confirm with identical identifier: %r" % m2)
            rej = json.dumps({"channel": "Noteable::NotesChannel", "project_id": 42})
            await ws.send_str(json.dumps({"command": "subscribe", "identifier": rej}))
            m = await _recv(ws)
            check(m == {"identifier": rej, "type": "reject_subscription"}, "reject_subscription: %r" % m)
            await ws.send_str(json.dumps({"command": "subscribe", "identifier": json.dumps({"channel": "NoSuchChannel"})}))
            check(await _recv(ws, timeout=1.0) is None, "unknown channel class -> no reply")
            r = sim.push({"type": "job_status", "id": 3124, "status": "failed"})
            m = await _recv(ws)
            check(m and m["identifier"] == ident and m["message"]["more"] is True
                  and m["message"]["result"]["data"]["ciJobStatusUpdated"]["status"] == "FAILED", "job status push: %r" % m)
            check(r["ok"], "push result")
            n = sim.push({"type": "cable", "field": "ciJobStatusUpdated", "variables": {"jobId": "gid://gitlab/Ci::Build/3124"},
                          "data": {"id": "gid://gitlab/Ci::Build/3124", "status": "RUNNING"}})["delivered"]
            m = await _recv(ws)
            check(n == 1 and m["message"]["result"]["data"]["ciJobStatusUpdated"]["status"] == "RUNNING", "raw cable push")
            await ws.send_str(json.dumps({"command": "unsubscribe", "identifier": ident}))
            await asyncio.sleep(0.1)
            check(sim.push({"type": "cable", "field": "ciJobStatusUpdated", "data": {}})["delivered"] == 0, "unsubscribe")
        # scenario-driven pushes, variables as a JSON string (as gitlab-lsp sends them)
        async with s.ws_connect(url + "?token=" + DEMO_TOKEN, protocols=("actioncable-v1-json",)) as ws:
            check(await _recv(ws) == {"type": "welcome"}, "welcome with ?token=")
            ident = json.dumps({"channel": "GraphqlChannel", "operationName": "workflowEvents",
                                "query": "subscription workflowEvents($workflowId: AiDuoWorkflowsWorkflowID!) { workflowEventsUpdated(workflowId: $workflowId) { checkpoint } }",
                                "variables": json.dumps({"workflowId": "gid://gitlab/Ai::DuoWorkflows::Workflow/9"})})
            await ws.send_str(json.dumps({"command": "subscribe", "identifier": ident}))
            got = [await _recv(ws) for _ in range(4)]
            check(got[1]["type"] == "confirm_subscription", "confirm")
            check([g["message"]["result"]["data"]["workflowEventsUpdated"]["checkpoint"] for g in got[2:]] == ["step 0", "step 1"],
                  "scenario pushes in order: %r" % got)


# ------------------------------------------------------------------ faults

FAULTS = {
    "extends": "demo.json",
    "model": {"chunk_delay_ms": 0},
    "faults": [
        {"method": "GET", "path": "^/api/v4/user$", "kind": "429", "retry_after": 2, "times": 1},
        {"path": "/issues$", "kind": "500", "after": 1, "times": 1},
        {"path": "^/api/v4/version$", "kind": "latency", "latency_ms": 300},
        {"path": "^/api/v4/metadata$", "kind": "drop"},
        {"path": "/pipelines$", "kind": "drop", "after_bytes": 50},
        {"path": "/issues/1$", "kind": "truncate", "after_bytes": 40},
        {"path": "/merge_requests/1$", "kind": "malformed"},
        {"path": "^/v1/chat/completions$", "kind": "429", "times": 1},
        {"path": "^/v1/chat/completions$", "kind": "drop", "after_chunks": 3, "times": 1},
        {"path": "^/v1/chat/completions$", "kind": "truncate", "after_chunks": 2, "times": 1},
        {"path": "^/v1/messages$", "kind": "malformed", "after_chunks": 2, "times": 1},
        {"path": "^/v1/messages$", "kind": "529", "times": 1},
    ],
}


def t_faults(sim):
    r = get(sim, "/api/v4/user")
    check(r.status == 429 and r.header("Retry-After") == "2" and r.body == b"Retry later\n", "GitLab 429: %s %r" % (r.status, r.body))
    check(get(sim, "/api/v4/user").status == 200, "429 only once (times: 1)")
    check(get(sim, P + "/issues").status == 200, "500 rule lets the first request through (after: 1)")
    r = get(sim, P + "/issues")
    check(r.status == 500 and r.json() == {"message": "500 Internal Server Error"}, "GitLab 500")
    t0 = time.monotonic()
    check(get(sim, "/api/v4/version").status == 200 and time.monotonic() - t0 >= 0.3, "latency fault")
    r = get(sim, "/api/v4/metadata")
    check(r.status is None and r.error is not None, "drop before the response: %r" % r.error)
    r = get(sim, P + "/pipelines")
    check(r.status == 200 and r.error is not None and len(r.body) <= 50, "drop after 50 bytes: %r %d" % (r.error, len(r.body)))
    r = get(sim, P + "/issues/1")
    check(r.status == 200 and isinstance(r.error, http.client.IncompleteRead) and len(r.body) == 40, "truncated body")
    r = get(sim, P + "/merge_requests/1")
    check(r.status == 200 and r.error is None, "malformed body is a complete 200")
    try:
        r.json()
        raise Fail("malformed body parsed as JSON")
    except ValueError:
        pass
    msgs = [{"role": "user", "content": "go"}]
    r = chat(sim, msgs)
    check(r.status == 429 and r.json()["error"]["code"] == "rate_limit_exceeded" and r.header("Retry-After") == "1",
          "OpenAI-shaped 429")
    r = chat(sim, msgs)
    check(r.status == 200 and r.error is not None and r.body.count(b"\n\n") == 3, "stream dropped after 3 chunks: %r" % r.body[-80:])
    r = chat(sim, msgs)
    check(r.status == 200 and r.error is None and r.body.count(b"\n\n") == 2 and not r.body.endswith(b"\n\n"),
          "stream truncated mid-event, then ended cleanly")
    parse_openai(sim, chat(sim, msgs))
    r = anthropic(sim, msgs)
    check(r.status == 200 and b'data: {"id":"broken"' in r.body, "malformed event in the Anthropic stream")
    r = anthropic(sim, msgs)
    check(r.status == 529 and r.json()["error"]["type"] == "overloaded_error", "Anthropic-shaped 529")
    parse_anthropic(anthropic(sim, msgs))
    log = sim.requests()
    faults = [e["fault"] for e in log if e["fault"]]
    for k in ("429", "500", "drop", "truncate", "malformed", "529"):
        check(k in faults, "fault %s recorded in /__sim/requests" % k)


# ------------------------------------------------------------------ /__sim and CLI

def t_introspection(sim):
    sim.reset()
    check(sim.requests() == [], "reset clears the log")
    get(sim, "/api/v4/user")
    get(sim, "/api/v4/user", headers={"Authorization": "Bearer " + DEMO_TOKEN})
    req(sim, "GET", "/-/cable?token=" + DEMO_TOKEN)
    req(sim, "POST", "/v1/messages", headers={"x-api-key": DEMO_KEY, "anthropic-version": "2023-06-01"},
        body={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
    log = sim.requests()
    blob = json.dumps(log)
    check(DEMO_TOKEN not in blob and DEMO_KEY not in blob, "no credentials in /__sim/requests")
    check(log[0]["headers"]["private-token"] == "[present]" and log[1]["headers"]["authorization"] == "[present]",
          "credential headers shown as [present]")
    check(["token", "[present]"] in log[2]["query"], "token query parameter shown as [present]")
    check(log[0]["status"] == 200 and log[0]["method"] == "GET" and log[0]["path"] == "/api/v4/user", "log entry")
    check(log[3]["body"]["messages"][0]["content"] == "hi", "request bodies are kept")
    check(len(sim.requests(since=log[1]["seq"])) == 2, "?since=")
    req(sim, "POST", P + "/issues/4/notes", headers=AUTH, body={"body": "temporary"})
    n = len(get(sim, P + "/issues/4/notes").json())
    sim.reset()
    check(len(get(sim, P + "/issues/4/notes").json()) == n - 1, "reset restores the scenario's state")


def t_cli(sim):
    r = subprocess.run(["/usr/bin/python3", SIM, "--host", "0.0.0.0"], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and "loopback" in r.stderr, "non-loopback host refused")
    with tempfile.TemporaryDirectory() as d:
        pf = os.path.join(d, "port")
        p = subprocess.Popen(["/usr/bin/python3", SIM, "--port-file", pf, "--latency-ms", "200", "--quiet"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = p.stdout.readline().decode()
            check(re.fullmatch(r"duoterm-sim listening on http://127\.0\.0\.1:\d+\n", line), "first line %r" % line)
            port = int(open(pf).read())
            check(line.strip().endswith(":%d" % port), "port file matches")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            t0 = time.monotonic()
            conn.request("GET", "/api/v4/version", headers=AUTH)
            check(conn.getresponse().status == 200 and time.monotonic() - t0 >= 0.2, "--latency-ms")
            conn.close()
            p.send_signal(signal.SIGTERM)
            check(p.wait(5) == 0, "exit 0 on SIGTERM")
            check(p.stderr.read() == b"", "--quiet: nothing on stderr")
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()
    p = subprocess.Popen(["/usr/bin/python3", SIM, "--exit-on-stdin-eof"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        p.stdout.readline()
        p.stdin.close()
        check(p.wait(5) == 0, "exit 0 when stdin reaches EOF")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()


def t_scenarios(_sim):
    """Each shipped scenario starts and does what its description says."""
    msgs = [{"role": "user", "content": "go"}]
    with Sim("bad-token.json") as sim:
        check(get(sim, "/api/v4/user").status == 401, "bad-token: demo token refused")
        check(chat(sim, msgs).status == 401 and anthropic(sim, msgs).status == 401, "bad-token: demo key refused")

        async def cable():
            async with aiohttp.ClientSession() as s:
                async with s.ws_connect(sim.url.replace("http", "ws", 1) + "/-/cable",
                                        headers={"Authorization": "Bearer " + DEMO_TOKEN}) as ws:
                    return await _recv(ws)
        check(asyncio.run(cable())["reason"] == "unauthorized", "bad-token: cable disconnects")
    with Sim("faults-429.json") as sim:
        codes = [get(sim, P + "/merge_requests").status for _ in range(3)]
        check(codes == [429, 429, 200], "faults-429: %r" % codes)
        check(chat(sim, msgs).status == 429 and chat(sim, msgs).status == 200, "faults-429: model")
    with Sim("faults-drop.json") as sim:
        r = chat(sim, msgs)
        check(r.error is not None and r.body.count(b"\n\n") == 5, "faults-drop: stream cut after 5 events")
        r = get(sim, P + "/jobs/3092/trace")
        check(r.error is not None and len(r.body) == 200, "faults-drop: trace cut after 200 bytes")
        check(get(sim, P + "/jobs/3092/trace").error is None, "faults-drop: only once")
    with Sim("faults-malformed.json") as sim:
        r = get(sim, P + "/merge_requests")
        check(r.status == 200 and r.error is None, "faults-malformed: complete 200")
        try:
            r.json()
            raise Fail("faults-malformed: body parsed")
        except ValueError:
            pass
        r = chat(sim, [{"role": "user", "content": "/bad-tool-args"}])
        check(b"data: {\"id\":\"broken\"" in r.body, "faults-malformed: broken SSE event")
        _, calls, _, _ = parse_openai(sim, chat(sim, [{"role": "user", "content": "/bad-tool-args"}]))
        try:
            json.loads(calls[0]["args"])
            raise Fail("faults-malformed: /bad-tool-args arguments parsed")
        except ValueError:
            pass
    with Sim("static.json") as sim:
        a = get(sim, P + "/jobs/3124/trace").body
        time.sleep(1.0)
        check(get(sim, P + "/jobs/3124/trace").body == a, "static: traces do not grow")
    with Sim({"extends": "static.json", "relative_url_root": "/gitlab", "gzip": True}) as sim:
        r = get(sim, "/gitlab" + P + "/issues", headers=dict(AUTH, **{"Accept-Encoding": "gzip"}))
        check(r.header("Content-Encoding") == "gzip", "gzip when asked")
        check(r.header("Link").startswith("<%s/gitlab/api/v4/" % sim.url), "Link under the relative URL root")
        check(get(sim, P).status == 404, "nothing outside the relative URL root")


def t_demo_repo(sim):
    """make-demo-repo: reproducible commits that match the scenario's pipelines, uncommitted work, origin."""
    import shutil
    if not shutil.which("git"):
        print("     (git not installed: demo repo check skipped)")
        return
    tool = os.path.join(os.path.dirname(SIM), "make-demo-repo")
    with tempfile.TemporaryDirectory() as d:
        repo = os.path.join(d, "sandbox")
        r = subprocess.run([tool, repo, sim.url], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, "make-demo-repo failed: %s" % r.stderr.strip())

        def git(*a):
            return subprocess.run(["git", "-C", repo] + list(a), capture_output=True, text=True,
                                  env=dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1"),
                                  check=True).stdout.strip()
        for ref, pid in (("main", 307), ("ci/asan", 312), ("feature/peek", 311)):
            sha = get(sim, P + "/pipelines/%d" % pid).json()["sha"]
            check(git("rev-parse", ref) == sha, "%s is %s in the repo, pipeline %d says %s" % (ref, git("rev-parse", ref), pid, sha))
        check(git("rev-parse", "--abbrev-ref", "HEAD") == "ci/asan", "ci/asan checked out")
        check(git("status", "--porcelain").splitlines() == ["M  README.md", " M src/lastn.c", "?? scripts/"],
              "uncommitted work: %r" % git("status", "--porcelain"))
        check(sum(1 for ln in git("diff").splitlines() if ln.startswith("@@ ")) == 2,
              "two unstaged hunks")
        check(git("remote", "get-url", "origin") == sim.url + "/duoterm-demo/tools/sandbox.git", "origin url")
        check(git("log", "--format=%an", "-1", "main") == "Riya Patel", "fixed authors")


STATIC = {"extends": "demo.json", "live": False, "model": {"chunk_delay_ms": 0}}
TESTS = [
    ("auth", STATIC, t_auth), ("pagination", STATIC, t_pagination), ("etag", STATIC, t_etag),
    ("shapes", STATIC, t_shapes), ("trace", "demo.json", t_trace), ("job actions", "demo.json", t_job_actions),
    ("openai", STATIC, t_openai), ("anthropic", STATIC, t_anthropic),
    ("cable", {"extends": "demo.json", "cable": {"ping_interval_s": 0.5, "pushes": [
        {"field": "workflowEventsUpdated", "after_ms": 100, "data": {"checkpoint": "step 0"}},
        {"field": "workflowEventsUpdated", "after_ms": 200, "data": {"checkpoint": "step 1"}}]}}, t_cable),
    ("faults", FAULTS, t_faults), ("introspection", STATIC, t_introspection), ("cli", STATIC, t_cli),
    ("scenarios", STATIC, t_scenarios), ("demo repo", STATIC, t_demo_repo),
]


def main():
    only = set(sys.argv[1:])
    failed = 0
    for name, scenario, fn in TESTS:
        if only and name not in only:
            continue
        t0 = time.monotonic()
        try:
            with Sim(scenario=scenario) as sim:
                fn(sim)
            print("ok   %-13s %.2fs" % (name, time.monotonic() - t0))
        except Fail as e:
            failed += 1
            print("FAIL %-13s %s" % (name, e))
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %-13s %s: %s" % (name, type(e).__name__, e))
    print("sim-selftest: %s" % ("all passed" if not failed else "%d failed" % failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
