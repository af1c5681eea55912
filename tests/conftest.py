"""Fixtures: every database test runs on SQLite, and also on PostgreSQL when AMENDS_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.common import private_schema
from bot.app import build
from bot.clock import FrozenClock
from bot.db import Base, normalize_url, upgrade
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.server import HttpServer, wsgi_app
from bot.settings import AmendsConfig, Settings
from bot.slack import surface
from tests.support import SIGNING_SECRET, Harness, configured, seed_workspace

POSTGRES_URL = os.environ.get("AMENDS_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not POSTGRES_URL, reason="AMENDS_TEST_POSTGRES_URL is not set"),
    ]),
]


@pytest.fixture(autouse=True)
def _database_budget(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A person's interaction gets DATABASE_BUDGET of database time, a bound on the database; but on a
    2-core machine running both databases' tests and a browser, a submission can be starved of CPU that
    long. Tests give it more room, except those marked `answer_budget`, which check the bound itself."""
    if request.node.get_closest_marker("answer_budget") is None:
        monkeypatch.setattr(surface, "DATABASE_BUDGET", 10.0)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test gets a copy (much faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "amends.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema for this test session, so parallel runs on one server never collide. Without a
    server (a fresh machine running the README's test command) every test using it is skipped."""
    if not POSTGRES_URL:
        pytest.skip("AMENDS_TEST_POSTGRES_URL is not set")
    with private_schema(POSTGRES_URL, prefix="amends_test") as url:
        assert url
        upgrade(url)
        yield url


def _truncate_postgres(url: str) -> None:
    import bot.models  # noqa: F401

    engine = create_engine(normalize_url(url))
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "amends.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema_url")
    _truncate_postgres(url)
    return url


@pytest.fixture
def config() -> AmendsConfig:
    return configured()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    seed_workspace(fake)
    yield fake
    fake.stop()


def make_settings(db_url: str, fake: FakeSlack, **environment: str) -> Settings:
    return Settings.model_validate({
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "AMENDS_DATABASE_URL": db_url,
        "AMENDS_SLACK_API_URL": fake.api_url,
        **environment,
    })


@pytest.fixture
def environment() -> dict[str, str]:
    """More environment for the harness's bot; a test sets it with @pytest.mark.parametrize("environment", ...)."""
    return {}


@pytest.fixture
def harness(db_url: str, fake_slack: FakeSlack, config: AmendsConfig, clock: FrozenClock,
            environment: dict[str, str], request: pytest.FixtureRequest) -> Iterator[Harness]:
    amends = build(make_settings(db_url, fake_slack, **environment), config=config, clock=clock, migrate=False)
    if request.node.get_closest_marker("answer_budget") is None:
        # As DATABASE_BUDGET above: a SQLite transaction starved of CPU must not fail its neighbour's turn.
        amends.db.turn_timeout = 10.0
    server = HttpServer(wsgi_app(amends.bolt, signing_secret=amends.signing_secret, health=amends.health,
                                api=amends.api),
                        host="127.0.0.1", port=0, threads=8).start_in_thread()
    driver = SlackDriver(fake_slack, server.url(), SIGNING_SECRET)
    yield Harness(amends, server, driver, fake_slack, clock)
    server.stop()
    amends.close()
    # Slack would have refused these: a test that passed anyway would pass on a bot broken in Slack.
    refused = [(c.method, c.error) for c in fake_slack.refusals()]
    assert not refused, f"the bot sent what Slack refuses: {refused}"
