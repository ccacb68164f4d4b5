"""The server: command line, app assembly, request routing, the middleware
that logs requests and applies latency and faults, and clean shutdown."""

import argparse
import asyncio
import ipaddress
import logging
import os
import re
import signal
import socket
import sys
import threading
import traceback

from aiohttp import web

from . import VERSION, control, gitlab_api, http, oauth, scenario as scenario_mod
from .cable import Cable
from .dap import Dap
from .faults import Faults
from .gateway import Gateway
from .gitlab_model import World
from .live import Live
from .model import Model

_AZURE = re.compile(r"^/openai/deployments/[^/]+/chat/completions$")


class Sim:
    def __init__(self, scenario, base_url, origin, verbose=False, quiet=False):
        self.scenario = scenario
        self.quiet = quiet and not verbose
        self.base_url = base_url
        self.origin = origin
        self.verbose = verbose
        self.root = scenario.get("relative_url_root", "").rstrip("/")
        self.latency_ms = int(scenario.get("latency_ms", 0))
        self.log = http.RequestLog()
        self.faults = Faults(scenario.get("faults"))
        self.world = World(scenario, base_url)
        self.model = Model(self)
        self.cable = Cable(self)
        self.dap = Dap(self)
        self.gateway = Gateway(self)
        self.live = Live(self)

    def warn(self, text):
        if self.verbose:
            print("duoterm-sim: %s" % text, file=sys.stderr, flush=True)

    def reset(self):
        self.live.stop()
        self.log.reset()
        self.faults.reset()
        listeners = [self.cable.on_world_change]
        self.world = World(self.scenario, self.base_url)
        self.world.listeners.extend(listeners)
        self.model = Model(self)
        self.dap.reset()
        self.gateway.reset()
        self.live.start()

    # ------------------------------------------------------------ routing
    async def dispatch(self, request):
        path = request.rel_url.raw_path
        if path in ("/v1/chat/completions", "/chat/completions") or _AZURE.match(path):
            if request.method != "POST":
                return await http.send_json(request, {"error": {"message": "Method not allowed", "type": "invalid_request_error", "param": None, "code": None}}, status=405)
            return await self.model.chat_completions(request)
        if path == "/v1/messages":
            if request.method != "POST":
                return await http.send_json(request, {"type": "error", "error": {"type": "not_found_error", "message": "Not found"}}, status=405)
            return await self.model.messages(request)
        if path in ("/v1/models", "/models") and request.method == "GET":
            return await self.model.models_list(request)
        if path.startswith("/ai/"):
            return await self.gateway.dispatch(request, path)
        if self.root:
            if not (path == self.root or path.startswith(self.root + "/")):
                return web.Response(status=404, text="Not Found\n")
            path = path[len(self.root):] or "/"
        if path == "/-/cable":
            return await self.cable.handle(request)
        if path.startswith("/oauth/"):
            resp = await oauth.handle(request, self, path)
            if resp is not None:
                return resp
        if path in ("/-/health", "/-/liveness", "/-/readiness"):
            if path == "/-/health":
                return web.Response(text="GitLab OK")
            return web.json_response({"status": "ok"})
        if path == "/":
            raise web.HTTPFound(self.root + "/users/sign_in")
        if path == "/users/sign_in":
            return web.Response(text="<!DOCTYPE html><title>Sign in · duoterm-sim</title>\n",
                                content_type="text/html")
        if path.startswith("/api/v4/ai/"):
            resp = await self.gateway.dispatch(request, path)
            if resp is None:
                resp = await self.dap.dispatch(request, path)
            if resp is not None:
                return resp
        resp = await gitlab_api.dispatch(request, self, path)
        if resp is None:
            return web.Response(status=404, text="Not Found\n")
        return resp


def _fault_body(request, rule):
    path = request.rel_url.raw_path
    status = rule.status
    if rule.body is not None:
        body = rule.body if isinstance(rule.body, str) else http.util.dumps(rule.body)
        ctype = "application/json" if not isinstance(rule.body, str) or body[:1] in "{[" else "text/plain"
        return body, ctype
    if path.endswith("/chat/completions") or path == "/v1/models" and not request.headers.get("anthropic-version"):
        if status == 429:
            err = {"message": "Rate limit reached for requests. Please try again in 1s.", "type": "requests",
                   "param": None, "code": "rate_limit_exceeded"}
        else:
            err = {"message": "The server had an error while processing your request. Sorry about that!",
                   "type": "server_error", "param": None, "code": None}
        return http.util.dumps({"error": err}), "application/json"
    if path.startswith("/v1/"):
        etype = {429: "rate_limit_error", 529: "overloaded_error", 401: "authentication_error",
                 403: "permission_error", 404: "not_found_error"}.get(status, "api_error")
        msg = {429: "Number of request tokens has exceeded your per-minute rate limit",
               529: "Overloaded"}.get(status, "Internal server error")
        return http.util.dumps({"type": "error", "error": {"type": etype, "message": msg}}), "application/json"
    if status == 429:
        return "Retry later\n", "text/plain"
    reason = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
              500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Error")
    return http.util.dumps({"message": "%d %s" % (status, reason)}), "application/json"


@web.middleware
async def middleware(request, handler):
    sim = request.app["sim"]
    raw = request.rel_url.raw_path
    if raw.startswith("/__sim/"):
        return await control.handle(request, sim, raw)
    entry = sim.log.start(request)
    request["sim_entry"] = entry
    request["sim_seq"] = entry["seq"]
    status = None
    try:
        rules = sim.faults.match(request.method, raw, request.rel_url.raw_query_string)
        latency = sim.latency_ms + sum(r.fire().latency_ms for r in rules if r.kind == "latency")
        if latency:
            await asyncio.sleep(latency / 1000)
        # The first non-latency rule (in scenario order) applies; the others
        # wait for a later request.
        first = next((r for r in rules if r.kind != "latency"), None)
        if first is not None:
            first.fire()
            if first.kind == "status":
                http.note_fault(request, str(first.status))
                body, ctype = _fault_body(request, first)
                headers = dict(first.headers)
                if first.retry_after is not None:
                    headers["Retry-After"] = str(first.retry_after)
                    if not raw.startswith("/v1/"):
                        headers.update({"RateLimit-Name": "throttle_authenticated_api", "RateLimit-Limit": "60",
                                        "RateLimit-Observed": "61", "RateLimit-Remaining": "0",
                                        "RateLimit-Reset": str(first.retry_after)})
                entry["bytes"] = len(body.encode())
                status = first.status
                return web.Response(status=first.status, text=body, content_type=ctype, headers=headers)
            if first.kind == "drop" and first.after_bytes is None and first.after_chunks is None:
                http.note_fault(request, "drop")
                await http.cut_connection(request, abort=True)
                status = 0
                return web.Response(status=204)
            request["sim_fault"] = first
        resp = await handler(request)
        status = resp.status
        return resp
    except web.HTTPException as e:
        status = e.status
        raise
    except Exception:  # noqa: BLE001 - a simulator bug: say so, keep serving
        if not sim.quiet:
            traceback.print_exc()
        entry["fault"] = "internal_error"
        status = 500
        return web.json_response({"message": "500 Internal Server Error (duoterm-sim bug)"}, status=500)
    finally:
        sim.log.finish(entry, status if not request.get("sim_cut") or status else 0)


def make_app(sim):
    app = web.Application(middlewares=[middleware], client_max_size=64 * 1024 * 1024)
    app["sim"] = sim
    app.router.add_route("*", "/{tail:.*}", sim.dispatch)
    return app


# ---------------------------------------------------------------- command line

def _default_scenario():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(here, "scenarios", "demo.json")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="duoterm-sim",
        description="Local simulator of GitLab (REST v4, ActionCable) and a scripted model "
                    "(OpenAI chat completions, Anthropic Messages) for duoterm's tests and demo.")
    ap.add_argument("--scenario", default=_default_scenario(), metavar="FILE",
                    help="scenario JSON (default: scenarios/demo.json beside this program)")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=0, help="port; 0 picks a free one (default)")
    ap.add_argument("--port-file", metavar="PATH", help="write the port number here once listening")
    ap.add_argument("--latency-ms", type=int, default=None, metavar="N",
                    help="add N ms to every response (overrides the scenario)")
    ap.add_argument("--exit-on-stdin-eof", action="store_true", help="exit when standard input reaches EOF")
    ap.add_argument("--quiet", action="store_true",
                    help="nothing on stderr but fatal start-up errors (by default a simulator bug "
                         "also prints its traceback)")
    ap.add_argument("--verbose", action="store_true", help="log every request and event to stderr")
    ap.add_argument("--version", action="version", version="duoterm-sim " + VERSION)
    return ap.parse_args(argv)


def _loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


async def _serve(args, sc):
    host = "127.0.0.1" if args.host == "localhost" else args.host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, args.port))
    except OSError as e:
        print("duoterm-sim: cannot listen on %s:%d: %s" % (host, args.port, e.strerror), file=sys.stderr)
        return 1
    sock.listen(128)
    sock.setblocking(False)
    port = sock.getsockname()[1]
    hostpart = "[%s]" % host if family == socket.AF_INET6 else host
    origin = "http://%s:%d" % (hostpart, port)
    root = sc.get("relative_url_root", "").rstrip("/")
    sim = Sim(sc, origin + root, origin, verbose=args.verbose, quiet=args.quiet)
    app = make_app(sim)
    runner = web.AppRunner(app, handle_signals=False, access_log=logging.getLogger("aiohttp.access") if args.verbose else None)
    await runner.setup()
    site = web.SockSite(runner, sock, shutdown_timeout=0.3)
    await site.start()
    sim.live.start()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if args.exit_on_stdin_eof:
        def reader():
            try:
                while True:
                    if not os.read(0, 65536):
                        break
            except OSError:
                pass
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=reader, name="stdin-eof", daemon=True).start()

    if args.port_file:
        _write_port_file(args.port_file, port)
    sys.stdout.write("duoterm-sim listening on %s\n" % origin)
    sys.stdout.flush()
    sim.warn("scenario %s (%s)" % (sc.get("name"), sc.get("_path")))

    await stop.wait()
    sim.warn("shutting down")
    sim.live.stop()
    await sim.cable.close_all()
    await runner.cleanup()
    return 0


def main(argv):
    args = parse_args(argv)
    if not _loopback(args.host):
        print("duoterm-sim: refusing to listen on %r: only loopback addresses are allowed" % args.host,
              file=sys.stderr)
        return 2
    try:
        sc = scenario_mod.load(args.scenario)
        if args.latency_ms is not None:
            sc["latency_ms"] = args.latency_ms
        Faults(sc.get("faults"))  # validate early
        World(sc, "http://127.0.0.1:0")
    except (scenario_mod.ScenarioError, ValueError, KeyError, re.error) as e:
        print("duoterm-sim: %s" % e, file=sys.stderr)
        return 2
    if args.verbose:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="duoterm-sim: %(name)s: %(message)s")
    else:
        logging.getLogger("aiohttp").setLevel(logging.CRITICAL + 1)
        logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
    try:
        return asyncio.run(_serve(args, sc))
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        return 0
