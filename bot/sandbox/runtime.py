"""The sandbox: the real bot in HTTP mode, a fake Slack workspace, and the web page that shows it.

    sandbox = Sandbox(config, database_url="sqlite:///amends-sandbox/amends.db", port=3000).start()
    print(sandbox.url)   # open it in a browser
    ...
    sandbox.stop()

Everything a person does on the page goes to the bot through `SlackDriver`, as signed HTTP requests in
Slack's payload shapes (see `actions.py`), and the bot answers through the fake's Web API. The page
long-polls `FakeSlack.revision` for what changed. The bot is `bot.app.build`, exactly as `amends run`
builds it: the sandbox shows whatever the code on this branch does.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass
from typing import Any

from bot.api import keys
from bot.api.keys import CreatedKey
from bot.app import Amends, build
from bot.clock import Clock
from bot.sandbox.driver import BotReply, SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.sandbox.workspace import SandboxWorkspace
from bot.server import HttpServer, wsgi_app
from bot.settings import AmendsConfig, Settings

log = logging.getLogger(__name__)

# Slack gives an app 3 seconds to answer a request before telling the person it failed.
SLACK_ACK_TIMEOUT = 3.0
TRAFFIC_KEPT = 200


@dataclass(frozen=True)
class Delivery:
    """One request the sandbox sent the bot, for the page's "Requests" panel."""

    at: float
    kind: str
    summary: str
    status: int
    millis: float
    payload: Any


class _RecordingDriver(SlackDriver):
    """A SlackDriver that keeps the last requests it sent, for people to see what Slack sends."""

    def __init__(self, *args: Any, traffic: deque[Delivery], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._traffic = traffic
        self._traffic_lock = threading.Lock()

    def post(self, body: bytes, **kwargs: Any) -> BotReply:
        started = time.monotonic()
        try:
            reply = super().post(body, **kwargs)
        except OSError as exc:  # timed out or refused: Slack would say the app did not respond
            reply = BotReply(0, str(exc).encode(), {})
        kind, summary, payload = describe_request(body, kwargs.get("content_type", ""))
        with self._traffic_lock:
            self._traffic.append(Delivery(time.time(), kind, summary, reply.status,
                                          round((time.monotonic() - started) * 1000, 1), payload))
        return reply


def describe_request(body: bytes, content_type: str) -> tuple[str, str, Any]:
    """(kind, one-line summary, decoded payload) of a request to the bot."""
    if "json" in content_type:
        envelope = json.loads(body)
        event = envelope.get("event", {})
        return "event", " ".join(filter(None, [event.get("type"), event.get("subtype")])), envelope
    form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
    if "payload" not in form:
        return "slash_command", f"{form.get('command', '')} {form.get('text', '')}".strip(), form
    payload = json.loads(form["payload"])
    kind = payload.get("type", "")
    if kind == "block_actions":
        summary = ", ".join(a.get("action_id", "") for a in payload.get("actions", []))
    elif kind in {"view_submission", "view_closed"}:
        summary = payload.get("view", {}).get("callback_id", "")
    else:
        summary = payload.get("callback_id", "")
    return kind, summary, payload


class Sandbox:
    """The bot, the fake workspace and the web page, started and stopped together."""

    def __init__(self, config: AmendsConfig, *, database_url: str, host: str = "127.0.0.1", port: int = 3000,
                 clock: Clock | None = None, migrate: bool = True, workers: int = 4,
                 ack_timeout: float = SLACK_ACK_TIMEOUT, log_level: str = "INFO",
                 workspace: SandboxWorkspace | None = None) -> None:
        self.config = config
        self.database_url = database_url
        self.host = host
        self.port = port
        self.clock = clock
        self.migrate = migrate
        self.workers = workers
        self.ack_timeout = ack_timeout
        self.log_level = log_level
        self.workspace = workspace or SandboxWorkspace.for_config(config)
        self.traffic: deque[Delivery] = deque(maxlen=TRAFFIC_KEPT)
        self.fake: FakeSlack
        self.api_key: CreatedKey
        self.amends: Amends
        self.driver: SlackDriver
        self._bot_server: HttpServer | None = None
        self._web: Any = None

    def start(self, *, ticker: bool = True) -> Sandbox:
        from bot.sandbox.web import WebServer

        self.fake = FakeSlack().start()
        self.workspace.seed(self.fake)
        secret = secrets.token_hex(16)
        settings = Settings.model_validate({
            "SLACK_BOT_TOKEN": self.fake.bot_token, "SLACK_SIGNING_SECRET": secret,
            "AMENDS_DATABASE_URL": self.database_url, "AMENDS_SLACK_API_URL": self.fake.api_url,
            "AMENDS_LOG_LEVEL": self.log_level, "AMENDS_API_SECRET": secrets.token_hex(16),
        })
        try:
            self.amends = build(settings, config=self.config, clock=self.clock, migrate=self.migrate,
                                workers=self.workers)
            self._bot_server = HttpServer(wsgi_app(self.amends.bolt, signing_secret=self.amends.signing_secret,
                                                   api=self.amends.api), host="127.0.0.1", port=0,
                                          threads=8).start_in_thread()
            self.api_key = self._api_key(settings)
            self.driver = _RecordingDriver(self.fake, self._bot_server.url(), secret, timeout=self.ack_timeout,
                                           traffic=self.traffic)
            self._web = WebServer(self, self.host, self.port).start()
        except BaseException:
            self.stop()
            raise
        if ticker:
            self.amends.ticker.start()
        return self

    def _api_key(self, settings: Settings) -> CreatedKey:
        """A key for trying the order-system API against this sandbox (README "Connecting your order system")."""
        with self.amends.db.transaction() as session:
            return keys.create(session, "sandbox", now=self.amends.clock.now(),
                               server_secret=settings.api_secret.get_secret_value() if settings.api_secret else None)

    @property
    def api_url(self) -> str:
        """Where the bot serves the order-system API (its own HTTP server, as `amends run` does)."""
        if self._bot_server is None:
            raise RuntimeError("the sandbox is not started")
        return self._bot_server.url("")

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
            self._web = None
        if self._bot_server is not None:
            self._bot_server.stop()
            self._bot_server = None
        if hasattr(self, "amends"):
            self.amends.close()
        if hasattr(self, "fake"):
            self.fake.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._web is None:
            raise RuntimeError("the sandbox is not started")
        return self._web.url

    def app_features(self) -> dict[str, Any]:
        """What the bot registered (its manifest): commands, shortcuts, events, Home tab."""
        declared = self.amends.wiring.surface.declared
        return {
            "commands": [{"name": c.name, "description": c.description, "usage_hint": c.usage_hint}
                         for c in declared.commands.values()],
            "shortcuts": [{"callback_id": s.callback_id, "name": s.name, "description": s.description,
                           "kind": s.kind} for s in declared.shortcuts],
            "subcommands": [{"usage": f"/recover {s.usage}", "summary": s.summary}
                            for s in self.amends.wiring.recover.subcommands],
            "events": sorted(declared.events),
            "home_tab": declared.home_tab,
        }
