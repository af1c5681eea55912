"""HTTP mode: Bolt's WSGI adapter served by waitress.

Bolt's own `app.start()` server is for development: measured here with 20 requests in flight it dropped
1% of them (p50 65 ms); the same app under waitress with 8 threads answered all (p50 26 ms, p99 29 ms).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from waitress.server import create_server

from bot.request_limits import SERVER_BODY_CAP
from bot.slack import observe
from bot.slack.http import SlackEndpoint

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(bolt: App, *, signing_secret: str) -> WSGIApp:
    """Slack's endpoint accepts only requests signed with `signing_secret` (see bot/slack/http.py)."""
    slack = SlackEndpoint(bolt, signing_secret)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == EVENTS_PATH:
            with observe.arrived():
                return slack(environ, start_response)
        if path == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return application


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

    def stop(self) -> None:
        if self._thread is None:
            self._server.close()
        else:
            # Close every channel from inside the server's own loop, so it ends cleanly instead of
            # select()ing on a socket another thread closed.
            def close_all() -> None:
                for channel in list(self._server._map.values()):  # noqa: SLF001 - waitress has no public way
                    channel.close()

            try:
                self._server.trigger.pull_trigger(close_all)
            except OSError:  # the loop already lost its wake-up pipe; close from here as a last resort
                self._server.close()
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown(timeout=5)
