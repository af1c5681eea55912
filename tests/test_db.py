"""Money and time survive a round trip exactly, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

import bot.db
from bot.cases.models import Case
from bot.db import Database
from tests.conftest import POSTGRES_URL


def make_case(**overrides: object) -> Case:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    fields = dict(severity="low", customer_name="c", order_ref="o", promise="p", promised_at=now, cause="other",
                  currency="EUR", owner_id="U1", reporter_id="U1", created_at=now, updated_at=now)
    fields.update(overrides)
    return Case(**fields)


def test_money_is_exact_and_time_is_aware_utc(db_url: str) -> None:
    db = Database(db_url)
    paris = timezone(timedelta(hours=1))
    with db.transaction() as session:
        case = make_case(order_value=Decimal("1234567.89"), promised_at=datetime(2026, 12, 1, 18, 30, tzinfo=paris))
        session.add(case)
    with db.transaction() as session:
        loaded = session.get(Case, case.id)
        assert loaded.order_value == Decimal("1234567.89")
        assert loaded.promised_at == datetime(2026, 12, 1, 17, 30, tzinfo=UTC)
        assert loaded.promised_at.tzinfo is not None
    db.dispose()


def test_floats_and_naive_times_are_refused(db_url: str) -> None:
    db = Database(db_url)
    with pytest.raises(Exception, match="Decimal"):
        with db.transaction() as session:
            session.add(make_case(order_value=12.5))
    with pytest.raises(Exception, match="naive"):
        with db.transaction() as session:
            session.add(make_case(promised_at=datetime(2026, 1, 1)))
    db.dispose()


def test_stale_updates_are_refused(db_url: str) -> None:
    from sqlalchemy.orm.exc import StaleDataError

    db = Database(db_url)
    with db.transaction() as session:
        case = make_case()
        session.add(case)
    first, second = db.sessions(), db.sessions()
    a, b = first.get(Case, case.id), second.get(Case, case.id)
    a.notes = "first"
    first.commit()
    b.notes = "second"
    with pytest.raises(StaleDataError):
        second.commit()
    first.close()
    second.close()
    db.dispose()


def test_a_reading_session_refuses_to_write_and_saves_nothing(db_url: str) -> None:
    db = Database(db_url)
    with pytest.raises(RuntimeError, match="reads"):
        with db.reading() as session:
            session.add(make_case(customer_name="never saved"))
    with db.reading() as session:
        assert session.query(Case).count() == 0
    db.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="AMENDS_TEST_POSTGRES_URL is not set")
def test_a_connection_dropped_while_idle_is_replaced_before_use(postgres_schema_url: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A restarted server (or a firewall dropping idle connections) must not fail the next person's
    request: a connection idle for longer than PING_AFTER_IDLE is checked, and replaced when dead."""
    db = Database(postgres_schema_url)
    with db.transaction() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    killer = Database(postgres_schema_url)
    with killer.transaction() as session:
        assert session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    monkeypatch.setattr(bot.db, "PING_AFTER_IDLE", 0.0)
    with db.reading() as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid
    db.dispose()


def test_scattered_rows_are_read_ahead_and_a_server_refusing_it_still_connects(
        postgres_schema_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(postgres_schema_url)
    with db.reading() as session:
        assert session.scalar(text("SHOW effective_io_concurrency")) == "32"
    db.dispose()
    # A server without posix_fadvise refuses any value but 0, as this one refuses one out of range.
    monkeypatch.setattr(bot.db, "READ_AHEAD", 100_000)
    db = Database(postgres_schema_url)
    with db.transaction() as session:
        assert session.scalar(text("SHOW effective_io_concurrency")) != "100000"
        assert session.scalar(text("SELECT 1")) == 1
    db.dispose()
