"""`amends run` as a service: serve Slack (HTTP or Socket Mode) and the operations endpoints until SIGTERM
or SIGINT, then stop gracefully.

Stopping, in order: /readyz turns 503 (load balancers stop sending), no new request is taken (the HTTP
listener closes, after the requests in progress got their answers; in Socket Mode the connection
closes), the areas' timers and the ticker stop (a reminder sweep finishes its batch and hands back any
claim it could not settle), the work already acknowledged (opening modals, posting cases) finishes
within `shutdown_timeout`, and the database is released. Exit status 0. Work still running at the
deadline is abandoned: a case saved but not posted is posted by the next replica's sweep (case_posts).
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot import __version__
from bot.app import Amends
from bot.server import HttpServer, operations_app, wsgi_app
from bot.slack import observe

log = logging.getLogger("bot")

DEFAULT_SHUTDOWN_TIMEOUT = 20.0  # under Kubernetes' default 30 s grace period


@dataclass(frozen=True)
class Listen:
    host: str
    port: int
    threads: int = 8
    health_port: int | None = None  # Socket Mode: where /healthz, /readyz and /metrics are served


class _SocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler, with each request bound and timed where it arrives, as over HTTP."""

    def handle(self, client: Any, req: Any) -> None:
        with observe.arrived():
            super().handle(client, req)


def stop_on_signals() -> threading.Event:
    """An event set by the first SIGTERM or SIGINT (a second SIGINT still interrupts at once)."""
    stop = threading.Event()

    def handler(signum: int, _frame: Any) -> None:
        if stop.is_set() and signum == signal.SIGINT:
            raise KeyboardInterrupt
        log.info("%s received: stopping gracefully", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
    return stop


def serve(amends: Amends, listen: Listen, *, stop: threading.Event,
          shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT, server: HttpServer | None = None) -> bool:
    """Serve until `stop` is set, then stop gracefully. True when all acknowledged work finished. HTTP mode
    uses `server` when given (`amends run` takes its port before building anything)."""
    settings = amends.settings
    if settings.socket_mode:
        assert settings.slack_app_token is not None
        operations = None
        if listen.health_port is not None:
            operations = HttpServer(operations_app(amends.health, amends.api), host=listen.host, port=listen.health_port,
                                    threads=2).start_in_thread()
            log.info("health and metrics on %s", operations.url("/readyz"))
        handler = _SocketModeHandler(amends.bolt, settings.slack_app_token.get_secret_value())
        handler.connect()
        amends.ticker.start()
        log.info("Amends %s connected to Slack in Socket Mode", __version__)
        _wait(stop)
        amends.health.stopping()
        handler.close()
        finished = amends.close(timeout=shutdown_timeout)
        if operations is not None:
            operations.stop()
    else:
        server = server or HttpServer(None, host=listen.host, port=listen.port, threads=listen.threads)
        app = wsgi_app(amends.bolt, signing_secret=amends.signing_secret, health=amends.health,
                       api=amends.api)
        server.serve(app).start_in_thread()
        amends.ticker.start()
        log.info("Amends %s listening on %s (HTTP mode)", __version__, server.url())
        _wait(stop)
        amends.health.stopping()
        server.stop(drain=shutdown_timeout)
        finished = amends.close(timeout=shutdown_timeout)
    log.info("stopped%s", "" if finished else " (some acknowledged work was abandoned at the deadline)")
    return finished


def _wait(stop: threading.Event) -> None:
    while not stop.wait(1.0):  # wakes up now and then so signal handlers run promptly
        pass
