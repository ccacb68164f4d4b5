"""The scripted model: OpenAI chat completions and Anthropic Messages, both
streamed (SSE, in the exact shapes of the recorded streams in
shared/fixtures/sse) and not streamed, plus /v1/models.

Which turn answers a request is decided from the request alone, so a client
that retries after a dropped stream gets the same turn again:
  1. a turn counts as already played when the conversation's assistant
     messages contain one of the tool-call ids the simulator generates for it
     (ids are derived from the turn's id and position) or, for a text-only
     turn, its text;
  2. the answer is the first turn, in order, that is not played (or has
     "repeat": true) and whose conditions hold: "when_user_contains" (a
     string or list, case-insensitive, on the last user text message) and
     "when_tool_result" (on the tool results that follow the last assistant
     message);
  3. otherwise the scenario's "fallback" turn, or a short built-in text.
"""

import asyncio
import json
import re

from . import http, util

_WORDS = ("the ring buffer keeps the last lines of input and drops the oldest when it is full so "
          "memory stays bounded while the tool streams its output to the terminal").split()


def _text_of(content):
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict):
                if part.get("type") in ("text", "input_text", "output_text"):
                    out.append(part.get("text", ""))
                elif part.get("type") == "tool_result":
                    out.append(_text_of(part.get("content")))
            elif isinstance(part, str):
                out.append(part)
        return "".join(out)
    return str(content)


def _norm(s):
    return " ".join(s.split())


class Conversation:
    """What the turn selection needs to know about a request."""

    def __init__(self):
        self.tool_ids = set()
        self.assistant_text = []
        self.last_user = ""
        self.tool_results = []
        self.chars = 0

    @classmethod
    def from_openai(cls, body):
        c = cls()
        for m in body.get("messages") or []:
            if not isinstance(m, dict):
                continue
            role = m.get("role")
            text = _text_of(m.get("content"))
            c.chars += len(text)
            if role == "assistant":
                for tc in m.get("tool_calls") or []:
                    if isinstance(tc, dict):
                        c.tool_ids.add(tc.get("id"))
                        c.chars += len(json.dumps(tc))
                c.assistant_text.append(_norm(text))
                c.tool_results = []
            elif role == "user":
                c.last_user = text
                c.tool_results = []
            elif role == "tool":
                c.tool_results.append(text)
        c.chars += len(json.dumps(body.get("tools") or []))
        return c

    @classmethod
    def from_anthropic(cls, body):
        c = cls()
        c.chars += len(_text_of(body.get("system")))
        for m in body.get("messages") or []:
            if not isinstance(m, dict):
                continue
            role = m.get("role")
            content = m.get("content")
            blocks = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
            if role == "assistant":
                texts = []
                for b in blocks:
                    if not isinstance(b, dict):
                        continue
                    if b.get("type") == "tool_use":
                        c.tool_ids.add(b.get("id"))
                        c.chars += len(json.dumps(b.get("input", {})))
                    elif b.get("type") == "text":
                        texts.append(b.get("text", ""))
                c.assistant_text.append(_norm("".join(texts)))
                c.chars += sum(len(t) for t in texts)
                c.tool_results = []
            elif role == "user":
                texts = [b.get("text", "") for b in blocks if isinstance(b, dict) and b.get("type") == "text"]
                results = [_text_of(b.get("content")) for b in blocks
                           if isinstance(b, dict) and b.get("type") == "tool_result"]
                c.chars += sum(len(t) for t in texts + results)
                if results:
                    c.tool_results = results
                if texts and "".join(texts).strip():
                    c.last_user = "".join(texts)
                    if not results:
                        c.tool_results = []
        c.chars += len(json.dumps(body.get("tools") or []))
        return c


def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


class Turn:
    def __init__(self, spec, index, defaults):
        self.spec = spec
        self.key = spec.get("id") or "turn%d" % index
        self.text = spec.get("text")
        self.calls = []
        for i, call in enumerate(spec.get("tool_calls") or []):
            if "arguments_raw" in call:
                args = call["arguments_raw"]
            else:
                args = util.dumps(call.get("arguments", {}))
            self.calls.append({
                "name": call["name"],
                "args": args,
                "args_obj": call.get("arguments", {}),
                "openai_id": call.get("id") or "call_" + util.token_id("%s:%d" % (self.key, i), 24),
                "anthropic_id": call.get("id") or "toolu_01" + util.token_id("%s:%d" % (self.key, i), 22),
            })
        self.stream_tokens = int(spec.get("stream_tokens", 0))
        self.repeat = bool(spec.get("repeat", False))
        self.when_user = [s.lower() for s in _as_list(spec.get("when_user_contains"))]
        self.when_tool = [s.lower() for s in _as_list(spec.get("when_tool_result"))]
        self.chunk_chars = int(spec.get("chunk_chars", defaults.get("chunk_chars", 0)))
        self.chunk_delay = float(spec.get("chunk_delay_ms", defaults.get("chunk_delay_ms", 0))) / 1000
        self.first_delay = float(spec.get("first_chunk_delay_ms", defaults.get("first_chunk_delay_ms", 0))) / 1000
        self.args_chunk = max(1, int(spec.get("args_chunk_chars", defaults.get("args_chunk_chars", 7))))
        self.tool_index_start = int(spec.get("tool_index_start", 0))
        self.usage = spec.get("usage") or {}
        self.finish = spec.get("finish_reason")

    def played(self, conv):
        for c in self.calls:
            if c["openai_id"] in conv.tool_ids or c["anthropic_id"] in conv.tool_ids:
                return True
        if self.text and not self.calls:
            probe = _norm(self.text)[:80]
            return any(probe and probe in t for t in conv.assistant_text)
        return False

    def applies(self, conv):
        if self.when_user and not any(s in conv.last_user.lower() for s in self.when_user):
            return False
        if self.when_tool:
            blob = "\n".join(conv.tool_results).lower()
            if not conv.tool_results or not any(s in blob for s in self.when_tool):
                return False
        return True

    def text_chunks(self):
        if self.stream_tokens:
            return [(" " if i else "") + _WORDS[i % len(_WORDS)] for i in range(self.stream_tokens)]
        if not self.text:
            return []
        if self.chunk_chars > 0:
            n = self.chunk_chars
            return [self.text[i:i + n] for i in range(0, len(self.text), n)]
        return re.findall(r"\s*\S+|\s+$", self.text) or [self.text]

    def args_chunks(self, args):
        n = self.args_chunk
        return [args[i:i + n] for i in range(0, len(args), n)]

    def usage_for(self, conv, chunks):
        out_tokens = len(chunks) + sum(len(c["args"]) // 4 + 8 for c in self.calls)
        return (int(self.usage.get("input_tokens", self.usage.get("prompt_tokens", conv.chars // 4 + 12))),
                int(self.usage.get("output_tokens", self.usage.get("completion_tokens", out_tokens))))


class Model:
    def __init__(self, sim):
        self.sim = sim
        spec = sim.scenario.get("model", {})
        self.spec = spec
        self.keys = set(spec.get("keys", []))
        self.created = int(spec.get("created", 1748858400))
        self.turns = [Turn(t, i, spec) for i, t in enumerate(spec.get("turns", []))]
        fb = spec.get("fallback") or {"id": "fallback", "repeat": True,
                                      "text": "(duoterm-sim has no scripted reply for this request.)"}
        fb = dict(fb, repeat=True)
        self.fallback = Turn(fb, len(self.turns), spec)
        self.models = spec.get("models") or [{"id": "demo-model"}]
        self.calls = 0

    def pick(self, conv):
        for t in self.turns:
            if t.played(conv) and not t.repeat:
                continue
            if t.applies(conv):
                return t
        return self.fallback

    # -------------------------------------------------------------- auth
    def _key(self, request):
        a = request.headers.get("Authorization", "")
        if a[:7].lower() == "bearer ":
            return a[7:].strip()
        return request.headers.get("x-api-key") or request.headers.get("api-key")

    def authorized(self, request):
        # the AI gateway (gateway.py) checked its own token before passing it on
        if not self.keys or request.get("sim_gateway_ok"):
            return True
        return self._key(request) in self.keys

    # -------------------------------------------------------------- helpers
    def _ids(self, flavour):
        self.calls += 1
        seed = "%s:%d" % (flavour, self.calls)
        if flavour == "openai":
            return "chatcmpl-" + util.token_id(seed, 29)
        return "msg_01" + util.token_id(seed, 22)

    async def _read(self, request):
        raw = await request.read()
        http.record_body(request, raw)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    # -------------------------------------------------------------- OpenAI
    async def openai_error(self, request, status, message, etype, code=None, param=None):
        return await http.send_json(request, {"error": {"message": message, "type": etype, "param": param,
                                                        "code": code}}, status=status)

    async def chat_completions(self, request):
        if not self.authorized(request):
            if not self._key(request):
                return await self.openai_error(
                    request, 401, "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error")
            return await self.openai_error(request, 401, "Incorrect API key provided.",
                                           "invalid_request_error", "invalid_api_key")
        body = await self._read(request)
        if body is None:
            return await self.openai_error(request, 400, "We could not parse the JSON body of your request.",
                                           "invalid_request_error")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return await self.openai_error(request, 400, "Missing required parameter: 'messages'.",
                                           "invalid_request_error", "missing_required_parameter", "messages")
        conv = Conversation.from_openai(body)
        turn = self.pick(conv)
        model = self.spec.get("response_model") or body.get("model") or self.models[0]["id"]
        cid = self._ids("openai")
        chunks = turn.text_chunks()
        pin, pout = turn.usage_for(conv, chunks)
        usage = {"prompt_tokens": pin, "completion_tokens": pout, "total_tokens": pin + pout,
                 "completion_tokens_details": {"reasoning_tokens": 0}}
        finish = turn.finish or ("tool_calls" if turn.calls else "stop")
        if not body.get("stream"):
            msg = {"role": "assistant", "content": "".join(chunks) if chunks else None, "refusal": None}
            if turn.calls:
                msg["tool_calls"] = [{"id": c["openai_id"], "type": "function",
                                      "function": {"name": c["name"], "arguments": c["args"]}} for c in turn.calls]
            if turn.first_delay:
                await asyncio.sleep(turn.first_delay)
            return await http.send_json(request, {
                "id": cid, "object": "chat.completion", "created": self.created, "model": model,
                "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": finish}],
                "usage": dict(usage, prompt_tokens_details={"cached_tokens": 0, "audio_tokens": 0}),
                "system_fingerprint": "fp_sim0000001",
            })
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        stream = http.Stream(request, {"x-request-id": "req_" + util.token_id(cid, 24),
                                       "openai-processing-ms": "12", "openai-version": "2020-10-01"})
        await stream.start()

        def chunk(choices, **extra):
            obj = {"id": cid, "object": "chat.completion.chunk", "created": self.created, "model": model,
                   "system_fingerprint": "fp_sim0000001", "choices": choices}
            obj.update(extra)
            return "data: " + util.dumps(obj) + "\n\n"

        def choice(delta, finish_reason=None):
            return [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]

        async def emit(text, delay=True):
            ok = await stream.send(text)
            if ok and delay and turn.chunk_delay:
                await asyncio.sleep(turn.chunk_delay)
            return ok

        if turn.first_delay:
            await asyncio.sleep(turn.first_delay)
        first = {"role": "assistant", "content": "", "refusal": None} if chunks else {"role": "assistant", "content": None}
        ok = await emit(chunk(choice(first)), delay=False)
        for piece in chunks:
            if not ok:
                break
            ok = await emit(chunk(choice({"content": piece})))
        for i, c in enumerate(turn.calls):
            if not ok:
                break
            idx = turn.tool_index_start + i
            ok = await emit(chunk(choice({"tool_calls": [{"index": idx, "id": c["openai_id"], "type": "function",
                                                           "function": {"name": c["name"], "arguments": ""}}]})))
            for frag in turn.args_chunks(c["args"]):
                if not ok:
                    break
                ok = await emit(chunk(choice({"tool_calls": [{"index": idx, "function": {"arguments": frag}}]})))
        if ok:
            ok = await emit(chunk(choice({}, finish)), delay=False)
        if ok and include_usage:
            ok = await emit(chunk([], usage=usage), delay=False)
        if ok:
            await emit("data: [DONE]\n\n", delay=False)
        return await stream.finish()

    async def openai_models(self, request):
        data = [{"id": m["id"], "object": "model", "created": int(m.get("created", self.created)),
                 "owned_by": m.get("owned_by", "duoterm-sim")} for m in self.models]
        return await http.send_json(request, {"object": "list", "data": data})

    # -------------------------------------------------------------- Anthropic
    async def anthropic_error(self, request, status, etype, message):
        return await http.send_json(request, {"type": "error", "error": {"type": etype, "message": message}},
                                    status=status)

    async def messages(self, request):
        if not self.authorized(request):
            return await self.anthropic_error(request, 401, "authentication_error", "invalid x-api-key")
        if not request.headers.get("anthropic-version") and self.spec.get("require_anthropic_version", True):
            return await self.anthropic_error(request, 400, "invalid_request_error",
                                              "anthropic-version: header is required")
        body = await self._read(request)
        if body is None:
            return await self.anthropic_error(request, 400, "invalid_request_error",
                                              "There was an error parsing the body")
        if "max_tokens" not in body:
            return await self.anthropic_error(request, 400, "invalid_request_error", "max_tokens: Field required")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return await self.anthropic_error(request, 400, "invalid_request_error", "messages: Field required")
        conv = Conversation.from_anthropic(body)
        turn = self.pick(conv)
        model = self.spec.get("response_model") or body.get("model") or self.models[0]["id"]
        mid = self._ids("anthropic")
        chunks = turn.text_chunks()
        pin, pout = turn.usage_for(conv, chunks)
        stop = {"tool_calls": "tool_use", "stop": "end_turn", "length": "max_tokens"}.get(
            turn.finish, turn.finish) if turn.finish else ("tool_use" if turn.calls else "end_turn")
        usage_start = {"input_tokens": pin, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                       "output_tokens": 1, "service_tier": "standard"}
        if not body.get("stream"):
            content = []
            if chunks:
                content.append({"type": "text", "text": "".join(chunks)})
            for c in turn.calls:
                try:
                    inp = json.loads(c["args"]) if c["args"] else {}
                except ValueError:
                    inp = {}
                content.append({"type": "tool_use", "id": c["anthropic_id"], "name": c["name"], "input": inp})
            if turn.first_delay:
                await asyncio.sleep(turn.first_delay)
            return await http.send_json(request, {
                "id": mid, "type": "message", "role": "assistant", "model": model, "content": content,
                "stop_reason": stop, "stop_sequence": None, "usage": dict(usage_start, output_tokens=pout)})
        stream = http.Stream(request, {"request-id": "req_01" + util.token_id(mid, 22),
                                       "anthropic-organization-id": "00000000-0000-0000-0000-000000000000"})
        await stream.start()

        def ev(obj, name=None):
            return "event: %s\ndata: %s\n\n" % (name or obj["type"], util.dumps(obj))

        async def emit(text, delay=True):
            ok = await stream.send(text)
            if ok and delay and turn.chunk_delay:
                await asyncio.sleep(turn.chunk_delay)
            return ok

        if turn.first_delay:
            await asyncio.sleep(turn.first_delay)
        ok = await emit(ev({"type": "message_start", "message": {
            "id": mid, "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": usage_start}}), delay=False)
        index = 0
        pinged = False

        async def ping():
            return await emit('event: ping\ndata: {"type": "ping"}\n\n', delay=False)

        if ok and chunks:
            ok = await emit(ev({"type": "content_block_start", "index": 0,
                                "content_block": {"type": "text", "text": ""}}), delay=False)
            if ok:
                ok = await ping()
                pinged = True
            for piece in chunks:
                if not ok:
                    break
                ok = await emit(ev({"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "text_delta", "text": piece}}))
            if ok:
                ok = await emit(ev({"type": "content_block_stop", "index": 0}), delay=False)
            index = 1
        for c in turn.calls:
            if not ok:
                break
            ok = await emit(ev({"type": "content_block_start", "index": index, "content_block": {
                "type": "tool_use", "id": c["anthropic_id"], "name": c["name"], "caller": {"type": "direct"},
                "input": {}}}), delay=False)
            if ok and not pinged:
                ok = await ping()
                pinged = True
            frags = [""] + ([] if c["args"] in ("{}", "") else turn.args_chunks(c["args"]))
            for frag in frags:
                if not ok:
                    break
                ok = await emit(ev({"type": "content_block_delta", "index": index,
                                    "delta": {"type": "input_json_delta", "partial_json": frag}}))
            if ok:
                ok = await emit(ev({"type": "content_block_stop", "index": index}), delay=False)
            index += 1
        if ok:
            ok = await emit(ev({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                "usage": {"output_tokens": pout}}), delay=False)
        if ok:
            await emit(ev({"type": "message_stop"}), delay=False)
        return await stream.finish()

    async def anthropic_models(self, request):
        data = [{"type": "model", "id": m["id"], "display_name": m.get("display_name", m["id"]),
                 "created_at": util.iso(m.get("created_at", "2025-05-14T00:00:00Z"))} for m in self.models]
        return await http.send_json(request, {"data": data, "has_more": False,
                                              "first_id": data[0]["id"] if data else None,
                                              "last_id": data[-1]["id"] if data else None})

    async def models_list(self, request):
        anthropic = bool(request.headers.get("anthropic-version") or request.headers.get("x-api-key"))
        if not self.authorized(request):
            if anthropic:
                return await self.anthropic_error(request, 401, "authentication_error", "invalid x-api-key")
            return await self.openai_error(request, 401, "Incorrect API key provided.",
                                           "invalid_request_error", "invalid_api_key")
        if anthropic:
            return await self.anthropic_models(request)
        return await self.openai_models(request)
