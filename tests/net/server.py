#!/usr/bin/python3
"""HTTP + WebSocket test server for tests/unit/test_net_*.c.

Run with Debian's python3 (it has aiohttp):

    /usr/bin/python3 tests/net/server.py [--tls-dir DIR]

Listens on 127.0.0.1, a free port, and prints "PORT <n>" once ready.  With
--tls-dir it serves HTTPS/WSS with DIR/cert.pem and DIR/key.pem (see
mkcert.sh).  It exits when its stdin reaches end of file (the test died or
closed it) or on SIGTERM.
"""

import argparse
import asyncio
import gzip
import json
import logging
import signal
import ssl
import sys

from aiohttp import WSMsgType, web

STATS = {"ws_connections": {}, "pongs": 0, "requests": {}, "last_close": None, "last_close_reason": None}


def count(kind, key):
    STATS[kind][key] = STATS[kind].get(key, 0) + 1
    return STATS[kind][key]


def pattern(offset, n):
    """Deterministic bytes: byte i of the body is (i * 31 + 7) % 251."""
    return bytes(((i * 31 + 7) % 251) for i in range(offset, offset + n))


async def hello(request):
    count("requests", "hello")
    resp = web.Response(text="hello world")
    resp.headers["X-Custom"] = "yes"
    resp.headers.add("Set-Cookie", "a=1")
    resp.headers.add("Set-Cookie", "b=2")
    return resp


async def chunked(request):
    n = int(request.query.get("n", "5"))
    delay = int(request.query.get("delay_ms", "50")) / 1000
    resp = web.StreamResponse()
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    for i in range(n):
        await resp.write(b"chunk %d\n" % i)
        await asyncio.sleep(delay)
    await resp.write_eof()
    return resp


async def gzipped(request):
    body = b"compressible text " * 1000
    resp = web.Response(body=gzip.compress(body))
    resp.headers["Content-Encoding"] = "gzip"
    resp.headers["Content-Type"] = "text/plain"
    resp.headers["X-Seen-Accept-Encoding"] = request.headers.get("Accept-Encoding", "")
    resp.headers["X-Plain-Length"] = str(len(body))
    return resp


async def headers(request):
    return web.json_response(
        {
            "method": request.method,
            "version": "%d.%d" % request.version,
            "headers": {k: v for k, v in request.headers.items()},
        }
    )


async def echo(request):
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "body": body.decode("utf-8", "replace"),
            "length": len(body),
            "content_type": request.headers.get("Content-Type", ""),
        }
    )


async def slow(request):
    await asyncio.sleep(int(request.query.get("ms", "2000")) / 1000)
    return web.Response(text="done")


async def stall(request):
    resp = web.StreamResponse()
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    await resp.write(b"partial")
    await asyncio.sleep(int(request.query.get("ms", "3000")) / 1000)
    await resp.write(b"rest")
    await resp.write_eof()
    return resp


async def big(request):
    size = int(request.query.get("size", "1048576"))
    resp = web.StreamResponse()
    resp.content_length = size
    await resp.prepare(request)
    off = 0
    while off < size:
        n = min(65536, size - off)
        await resp.write(pattern(off, n))
        off += n
    await resp.write_eof()
    return resp


async def proxy_check(request):
    # Reached as a proxy: the request line carries an absolute URL.
    return web.json_response(
        {"url": str(request.url), "host": request.headers.get("Host", ""), "path": request.path_qs}
    )


async def stats(request):
    return web.json_response(STATS)


def raw_fragmented(transport, text):
    """Sends `text` as three WebSocket frames (text, continuation, final
    continuation), which aiohttp's writer cannot produce by itself."""
    data = text.encode()
    parts = [data[: len(data) // 3], data[len(data) // 3 : 2 * len(data) // 3], data[2 * len(data) // 3 :]]
    for i, part in enumerate(parts):
        opcode = 0x1 if i == 0 else 0x0
        fin = 0x80 if i == len(parts) - 1 else 0x00
        assert len(part) < 126
        transport.write(bytes([fin | opcode, len(part)]) + part)


async def ws_handler(request):
    path = request.path
    key = request.query.get("key", "")
    n = count("ws_connections", path + "?" + key)
    if path == "/ws401":
        return web.Response(status=401, text="token required")
    if path == "/ws403":
        return web.Response(status=403, text="forbidden")
    if path == "/ws503":
        return web.Response(status=503, text="later")

    ws = web.WebSocketResponse(
        protocols=("actioncable-v1-json", "v2.duoterm"), autoping=False, max_msg_size=0
    )
    await ws.prepare(request)

    if path == "/ws-drop" or (path == "/ws-drop-once" and n == 1):
        await ws.send_str("hello %d" % n)
        await asyncio.sleep(0.05)
        request.transport.abort()
        return ws
    if path == "/ws-close":
        await ws.send_str("hello %d" % n)
        await ws.close(code=int(request.query.get("code", "1001")), message=b"going away")
        return ws
    if path == "/ws-ping":
        await ws.ping(b"are you there")

    while True:
        msg = await ws.receive()
        if msg.type == WSMsgType.CLOSE:
            STATS["last_close"] = msg.data
            STATS["last_close_reason"] = msg.extra
            break
        if msg.type == WSMsgType.PING:
            await ws.pong(msg.data)
        elif msg.type == WSMsgType.PONG:
            STATS["pongs"] += 1
            await ws.send_str("pong-ok:" + msg.data.decode())
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
        elif msg.type == WSMsgType.TEXT:
            t = msg.data
            if t == "ping-me":
                await ws.ping(b"x")
            elif t.startswith("close-me:"):
                _, code, reason = t.split(":", 2)
                await ws.close(code=int(code), message=reason.encode())
            elif t == "headers":
                await ws.send_str(json.dumps({k: v for k, v in request.headers.items()}))
            elif t == "protocol":
                await ws.send_str(ws.ws_protocol or "")
            elif t == "frag":
                raw_fragmented(request.transport, "fragmented message, reassembled by the client")
            elif t.startswith("burst:"):
                _, n, size = t.split(":")
                for i in range(int(n)):
                    await ws.send_str(("%06d:" % i).ljust(int(size), "x"))
            elif t.startswith("big:"):
                await ws.send_bytes(pattern(0, int(t[4:])))
            elif t == "drop":
                request.transport.abort()
            else:
                await ws.send_str(t)
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
            break
    return ws


async def main():
    # clients that vanish mid-request are what some tests are about
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls-dir")
    args = ap.parse_args()

    app = web.Application(client_max_size=64 << 20)
    app.router.add_get("/hello", hello)
    app.router.add_get("/chunked", chunked)
    app.router.add_get("/gzip", gzipped)
    app.router.add_get("/headers", headers)
    app.router.add_route("*", "/echo", echo)
    app.router.add_get("/slow", slow)
    app.router.add_get("/stall", stall)
    app.router.add_get("/big", big)
    app.router.add_get("/proxy-check", proxy_check)
    app.router.add_get("/stats", stats)
    for p in ("/ws", "/ws401", "/ws403", "/ws503", "/ws-drop", "/ws-drop-once", "/ws-close", "/ws-ping"):
        app.router.add_get(p, ws_handler)

    ctx = None
    if args.tls_dir:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls_dir + "/cert.pem", args.tls_dir + "/key.pem")
        ctx.set_alpn_protocols(["http/1.1"])

    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx, shutdown_timeout=0.1)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    print("PORT %d" % port, flush=True)

    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, done.set)
    loop.add_reader(sys.stdin.fileno(), lambda: done.set() if not sys.stdin.buffer.read1(4096) else None)
    await done.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
