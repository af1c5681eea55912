"""A database that stops answering, without closing anything, still gets the person an answer within
Slack's 3 seconds, and nothing is committed after that answer went out."""

from __future__ import annotations

import select
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.app import build
from bot.clock import FrozenClock
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.server import HttpServer, wsgi_app
from bot.settings import SLACK_ANSWER_DEADLINE, AmendsConfig
from tests.conftest import make_settings
from tests.support import SIGNING_SECRET, Harness

pytestmark = pytest.mark.answer_budget  # these check the person's bound itself


class FreezingProxy:
    """A TCP proxy to the database that can stop forwarding (both ways) without closing anything, as a
    hung host or a stateful firewall that lost its entry does. Bytes sent meanwhile wait in the proxy and
    are delivered when it thaws, as a network delivers what it held up."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        # Freeze as the bot sends the second part on a connection that sent the first: (b"INSERT", b"COMMIT")
        self.freeze_on: tuple[bytes, bytes] | None = None
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(client, server), daemon=True).start()

    def _pipe(self, client: socket.socket, server: socket.socket) -> None:
        pending = {client: b"", server: b""}  # bytes held for each side
        seen = False  # this connection sent freeze_on's first part
        other = {client: server, server: client}
        try:
            while not self.closed:
                readable, _, _ = select.select([client, server], [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        # What the closing side sent before closing still arrives, once the network thaws.
                        self.flowing.wait(30)
                        other[sock].sendall(pending[other[sock]])
                        return
                    if sock is client and self.freeze_on:
                        after, marker = self.freeze_on
                        seen = seen or after in data
                        if seen and marker in data:
                            self.flowing.clear()
                    pending[other[sock]] += data
                if self.flowing.is_set():
                    for sock, data in pending.items():
                        if data:
                            sock.sendall(data)
                            pending[sock] = b""
        except OSError:
            return
        finally:
            client.close()
            server.close()

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.closed = True
        self.listener.close()


@pytest.fixture
def proxied_harness(postgres_schema_url: str, fake_slack: FakeSlack, config: AmendsConfig,
                    clock: FrozenClock) -> Iterator[tuple[Harness, FreezingProxy]]:
    from tests.conftest import _truncate_postgres

    _truncate_postgres(postgres_schema_url)
    url = make_url(postgres_schema_url)
    proxy = FreezingProxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    amends = build(make_settings(through, fake_slack), config=config, clock=clock, migrate=False)
    server = HttpServer(wsgi_app(amends.bolt, signing_secret=amends.signing_secret), host="127.0.0.1", port=0,
                        threads=8).start_in_thread()
    # Slack gives up on an answer after 3 seconds; so does this driver.
    driver = SlackDriver(fake_slack, server.url(), SIGNING_SECRET, timeout=SLACK_ANSWER_DEADLINE)
    yield Harness(amends, server, driver, fake_slack, clock), proxy
    proxy.thaw()
    server.stop()
    amends.close()
    proxy.close()


def _cases_seen_directly(url: str) -> int:
    from sqlalchemy import create_engine, text

    from bot.db import normalize_url

    engine = create_engine(normalize_url(url))
    with engine.connect() as conn:
        count = conn.execute(text("SELECT count(*) FROM cases")).scalar_one()
    engine.dispose()
    return int(count)


@pytest.mark.postgres
def test_a_frozen_database_during_a_submission_answers_in_time_and_saves_nothing_after(
        proxied_harness: tuple[Harness, FreezingProxy], postgres_schema_url: str) -> None:
    harness, proxy = proxied_harness
    view = harness.open_intake()
    proxy.freeze()
    reply = harness.driver.submit(view.id, harness.intake_values())  # times out (an OSError) after 3 s
    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert "couldn't reach the Amends database" in answer["errors"]["customer_name"]
    # The network delivers what it held up; the server runs it and must not commit it.
    proxy.thaw()
    harness.settle()
    assert _cases_seen_directly(postgres_schema_url) == 0
    # Once the database answers again, the same form (everything typed still there) saves the case.
    again = harness.driver.submit(view.id, harness.intake_values()).json()
    assert again["response_action"] == "update"
    assert _cases_seen_directly(postgres_schema_url) == 1


@pytest.mark.postgres
def test_a_commit_held_up_in_the_network_is_refused_when_it_arrives_after_the_answer(
        proxied_harness: tuple[Harness, FreezingProxy], postgres_schema_url: str) -> None:
    harness, proxy = proxied_harness
    view = harness.open_intake()
    proxy.freeze_on = (b"INSERT INTO cases", b"COMMIT")  # the case is inserted; its COMMIT is held up
    answer = harness.driver.submit(view.id, harness.intake_values()).json()
    assert answer["response_action"] == "errors"
    assert "couldn't reach the Amends database" in answer["errors"]["customer_name"]
    proxy.freeze_on = None
    proxy.thaw()  # the server now gets the COMMIT, after the person was told nothing was saved
    harness.settle()
    assert _cases_seen_directly(postgres_schema_url) == 0


def test_a_sqlite_transaction_held_open_gets_the_person_a_busy_answer(harness: Harness, db_url: str,
                                                                       tmp_path: Path,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the in-process writer lock is SQLite's")
    view = harness.open_intake()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with harness.amends.db.transaction():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold, name="the-holder")
    holder.start()
    try:
        assert holding.wait(10)
        harness.driver.timeout = SLACK_ANSWER_DEADLINE
        answer = harness.driver.submit(view.id, harness.intake_values()).json()
    finally:
        release.set()
        holder.join()
    assert answer["response_action"] == "errors"
    assert "database" in answer["errors"]["customer_name"]
    assert harness.cases() == []
    assert sqlite3.connect(db_url.removeprefix("sqlite:///")).execute("SELECT count(*) FROM cases").fetchone() == (0,)
    # The log says who held the writer and where, so a transaction holding it for seconds can be found.
    assert "held by the-holder at" in caplog.text
