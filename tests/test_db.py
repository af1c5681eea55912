"""Money and time survive a round trip exactly, on every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.cases.models import Case
from bot.db import Database


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
