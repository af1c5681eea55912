"""Composition root: settings -> database -> Slack client -> Bolt app. Nothing else wires things together."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from slack_bolt import App
from slack_sdk import WebClient

from bot import bootstrap, metrics, replays
from bot.api.wsgi import ApiApp
from bot.cases.lifecycle import Lifecycle
from bot.clock import Clock, SystemClock
from bot.db import Database, upgrade
from bot.health import Health
from bot.knowledge.search import SharedEngine
from bot.knowledge.synonyms import load_synonyms
from bot.privacy.jobs import retention_sweep
from bot.scheduling import Ticker
from bot.settings import AmendsConfig, Settings, load_config
from bot.slack.bolt import build_bolt_app
from bot.slack.client import make_web_client
from bot.slack.deps import SlackDeps
from bot.slack.surface import Surface
from bot.slack.wiring import Wiring

log = logging.getLogger(__name__)


@dataclass
class Amends:
    settings: Settings
    config: AmendsConfig
    db: Database
    clock: Clock
    client: WebClient
    wiring: Wiring
    ticker: Ticker
    health: Health
    api: ApiApp  # the order systems' HTTP API, mounted at /api by bot/server.py

    @property
    def bolt(self) -> App:
        return self.wiring.surface.app

    @property
    def deps(self) -> SlackDeps:
        return self.wiring.deps

    @property
    def lifecycle(self) -> Lifecycle:
        """What a case's life sets off (bot/bootstrap.py): give it to the case services, from any entry point."""
        return self.deps.lifecycle

    @property
    def signing_secret(self) -> str:
        """What Slack signs HTTP-mode requests with (settings require it there)."""
        secret = self.settings.slack_signing_secret
        return secret.get_secret_value() if secret else ""

    def close(self, timeout: float | None = None) -> bool:
        """Stop the areas' own timers, stop ticking, let queued work finish (within `timeout` seconds), then
        release the database (in that order, so nothing touches it afterwards). False when work was abandoned."""
        for stop in self.deps.on_close:
            stop()
        self.ticker.shutdown()
        finished = self.wiring.surface.close(timeout)
        self.db.dispose()
        return finished


def build(settings: Settings, *, config: AmendsConfig | None = None, clock: Clock | None = None,
          migrate: bool = True, verify_token: bool = True, workers: int = 8) -> Amends:
    """Everything the bot needs, ready to serve. `migrate` brings the schema up to date first."""
    config = config or load_config(settings.config_path)
    if migrate:
        upgrade(settings.database_url)
    db = Database(settings.database_url, busy_timeout=settings.database_lock_timeout)
    replays.install(db)
    metrics.watch_database(db.engine)
    clock = clock or SystemClock()
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = make_web_client(token, settings.slack_api_url)
    ticker = Ticker(clock)
    if config.privacy.retain_customer_data_for is not None:
        # Customer data past the retention period is erased; Slack shows it through the case follow-ups.
        ticker.every(config.privacy.sweep_every, "privacy-retention")(partial(retention_sweep, db, config.privacy))
    ticker.every(timedelta(hours=1), "forget_applied_interactions")(lambda now: replays.forget_old(db, now))
    deps = slack_deps(config, db, clock, ticker)
    wiring = build_bolt_app(client, deps, verify_token=verify_token, workers=workers)
    assert wiring.surface.view_guard is not None
    wiring.surface.view_guard.warm()  # the seal's key (bot/slack/view_guard.py), before the first interaction
    # Bolt asked Slack's auth.test while building the app when verify_token is set (it raises otherwise).
    return Amends(settings=settings, config=config, db=db, clock=clock, client=client, wiring=wiring,
                  ticker=ticker, health=Health(db, slack_verified=verify_token),
                  api=_api(settings, wiring, client))


def _api(settings: Settings, wiring: Wiring, client: WebClient) -> ApiApp:
    """The order systems' API, and the outbox that tells the team's webhooks of case events."""
    from bot.api import outbox
    from bot.api.sender import OutboxSender, webhook_secrets
    from bot.slack import api_events

    deps = wiring.deps
    if deps.config.api.webhooks:
        outbox.capture(deps.db, deps.config.api)
        sender = OutboxSender(deps.db, deps.config.api, deps.clock, webhook_secrets(deps.config.api))
        assert deps.ticker is not None
        deps.ticker.every(deps.config.api.send_every, "api-outbox")(sender.sweep)
        deps.on_close.append(sender.close)
    secret = settings.api_secret.get_secret_value() if settings.api_secret else None
    return ApiApp(db=deps.db, config=deps.config, clock=deps.clock, lifecycle=deps.lifecycle, server_secret=secret,
                  find_user=api_events.user_by_email(client))


def slack_deps(config: AmendsConfig, db: Database, clock: Clock, ticker: Ticker) -> SlackDeps:
    return SlackDeps(config=config, db=db, clock=clock, lifecycle=bootstrap.lifecycle(config),
                     search=SharedEngine(db, load_synonyms(config.knowledge.synonyms)), ticker=ticker)


def declarations_only() -> Surface:
    """The registered surface without connecting anywhere: what `amends manifest` describes."""
    from bot.settings import CasesConfig

    config = AmendsConfig(cases=CasesConfig(channel="C00000000"))
    clock = SystemClock()
    deps = slack_deps(config, Database("sqlite://"), clock, Ticker(clock))
    client = make_web_client("xoxb-manifest-only", "https://slack.invalid/api/")
    return build_bolt_app(client, deps, verify_token=False).surface
