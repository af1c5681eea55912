"""HTTP mode: Bolt's WSGI adapter served by waitress.

Bolt's own `app.start()` server is for development: measured here with 20 requests in flight it dropped
1% of them (p50 65 ms); the same app under waitress with 8 threads answered all (p50 26 ms, p99 29 ms).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from waitress.server import create_server

from bot import metrics
from bot.health import Health
from bot.request_limits import SERVER_BODY_CAP
from bot.slack import observe
from bot.slack.http import SlackEndpoint

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"
API_PREFIX = "/api/"  # the order systems' API (bot/api/wsgi.py)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(bolt: App, *, signing_secret: str, health: Health | None = None,
             api: WSGIApp | None = None) -> WSGIApp:
    """Slack's endpoint accepts only requests signed with `signing_secret` (see bot/slack/http.py); the order
    systems' API, when given, is served under /api/."""
    slack = SlackEndpoint(bolt, signing_secret)
    operations = operations_app(health, api)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") == EVENTS_PATH:
            with observe.arrived():
                return slack(environ, start_response)
        return operations(environ, start_response)

    return application


def operations_app(health: Health | None, api: WSGIApp | None = None) -> WSGIApp:
    """What operators and orchestrators ask: /healthz, /readyz, /metrics (served alone on --health-port in
    Socket Mode, with the order systems' API). Without `health` (a bare app in a benchmark), /readyz says so."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if api is not None and path.startswith(API_PREFIX):
            return api(environ, start_response)
        if path == HEALTH_PATH:
            return _plain(start_response, "200 OK", "ok")
        if path == METRICS_PATH:
            body, content_type = metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        if path == READY_PATH:
            problems = ["no readiness checks in this server"] if health is None else health.problems()
            if problems:
                return _plain(start_response, "503 Service Unavailable", "\n".join(problems))
            return _plain(start_response, "200 OK", "ready")
        return _plain(start_response, "404 Not Found", "not found")

    return application


def _plain(start_response: Callable[..., Any], status: str, body: str, content_type: str = "text/plain") -> list[bytes]:
    data = body.encode()
    start_response(status, [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(data))),
                            ("Cache-Control", "no-store")])
    return [data]


def _starting(_environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting"]


class HttpServer:
    """A waitress server that can also run in a background thread (tests, sandbox, benchmarks)."""

    def __init__(self, app: WSGIApp | None, *, host: str = "0.0.0.0", port: int = 3000, threads: int = 8) -> None:
        """Listens at once (an address in use raises OSError here); `app` may be given later, with `serve`,
        before the server runs: `amends run` takes the port before it starts anything else."""
        app = app or _starting
        self._server = create_server(app, host=host, port=port, threads=threads, ident="amends",
                                     clear_untrusted_proxy_headers=True,
                                     # waitress refuses a Content-Length at or over this before reading
                                     max_request_body_size=SERVER_BODY_CAP + 1)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def host(self) -> str:
        return str(self._server.effective_host)

    def url(self, path: str = EVENTS_PATH) -> str:
        host = "127.0.0.1" if self.host in {"0.0.0.0", "::"} else self.host
        return f"http://{host}:{self.port}{path}"

    def serve(self, app: WSGIApp) -> HttpServer:
        self._server.application = app
        return self

    def serve_forever(self) -> None:
        self._server.run()

    def start_in_thread(self) -> HttpServer:
        self._thread = threading.Thread(target=self._server.run, name="amends-http", daemon=True)
        self._thread.start()
        return self

    def stop(self, drain: float = 0.0) -> None:
        """Stop serving. With `drain`, first stop accepting connections and give the requests in progress up
        to that many seconds to be answered (an ack lost here is a request Slack reports as failed)."""
        if self._thread is None:
            self._server.close()
        else:
            if drain > 0:
                self._in_loop(self._server.close)  # the listening socket: no new connections
                dispatcher = self._server.task_dispatcher
                deadline = time.monotonic() + drain
                while (dispatcher.active_count or dispatcher.queue) and time.monotonic() < deadline:
                    time.sleep(0.01)  # waitress tells no one when its threads go idle
                self._in_loop(self._close_when_flushed)
                flushed_by = time.monotonic() + 2
                while any(hasattr(c, "will_close") for c in self._channels()) and time.monotonic() < flushed_by:
                    time.sleep(0.01)
            self._in_loop(self._close_all)
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown(timeout=5)

    # Channels are closed from inside the server's own loop, so it ends cleanly instead of select()ing on a
    # socket another thread closed. waitress has no public way to reach them.
    def _in_loop(self, fn: Callable[[], None]) -> None:
        try:
            self._server.trigger.pull_trigger(fn)
        except OSError:  # the loop already lost its wake-up pipe; close from here as a last resort
            self._server.close()

    def _channels(self) -> list[Any]:
        return list(self._server._map.values())  # noqa: SLF001

    def _close_all(self) -> None:
        for channel in self._channels():
            channel.close()

    def _close_when_flushed(self) -> None:
        for channel in self._channels():
            if channel is not self._server and hasattr(channel, "will_close"):
                channel.will_close = True  # waitress closes it once its answer is written
