"""Outbound case events: every event of a case's life reaches the team's webhook once by id, signed,
across a receiver outage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.api import keys
from bot.api.client import ApiClient
from bot.api.models import OutboxEvent
from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Outcome
from bot.settings import AmendsConfig
from bot.tracking import service as tracking
from tests.support import ASSOCIATE, Harness, configured
from tests.test_api import event
from tests.webhook_receiver import Receiver

SECRET = "receiver-secret"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET)
    yield receiver
    receiver.stop()


@pytest.fixture
def environment() -> dict[str, str]:
    return {"AMENDS_API_SECRET": "api-secret"}


@pytest.fixture
def config(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> AmendsConfig:
    monkeypatch.setenv("ORDERS_WEBHOOK_SECRET", SECRET)
    return configured(api={"webhooks": [{"url": receiver.url, "secret_env": "ORDERS_WEBHOOK_SECRET"}]})


def live_a_case(harness: Harness) -> int:
    """Open a case through the API, then tell the customer, move the date and resolve it."""
    with harness.amends.db.transaction() as session:
        key = keys.create(session, "warehouse", now=harness.clock.now(), server_secret=None)
    api = ApiClient(harness.server.url("").rstrip("/"), key=key.key)
    case_id = api.post("/api/v1/promises-at-risk", event(harness)).body["id"]
    harness.fake.wait_for(lambda: harness.settled(case_id))
    later = harness.clock.now() + timedelta(days=5)
    assert api.patch("/api/v1/promises-at-risk/warehouse/short-pick-4411",
                     {"new_date": later.isoformat()}).status == 200
    deps = harness.amends.deps
    with deps.db.transaction() as session:
        cases.record_customer_contacted(session, case_id, actor_id=ASSOCIATE, now=harness.clock.now(),
                                        channel="phone", lifecycle=harness.amends.lifecycle)
    harness.waive_required_steps(case_id)
    with deps.db.transaction() as session:
        tracking.resolve(session, case_id, tracking.ResolutionInput(outcome=Outcome.CUSTOMER_WAITED,
                                                                    final_cost=Decimal("40.00"),
                                                                    lesson_cause="Supplier batch failed QA"),
                         actor_id=ASSOCIATE, now=harness.clock.now(), lifecycle=harness.amends.lifecycle,
                         schedule=lambda *a, **k: None)
    return case_id


def test_every_event_of_a_case_reaches_the_webhook_once_across_an_outage(harness: Harness,
                                                                          receiver: Receiver) -> None:
    receiver.failing = True
    case_id = live_a_case(harness)
    harness.tick()
    assert receiver.refused >= 4 and receiver.accepted == []  # the outage: every attempt answered 500

    harness.tick(advance=timedelta(seconds=20))
    assert receiver.refused == 4  # backing off: nothing is retried before 30 s
    receiver.failing = False
    harness.tick(advance=timedelta(seconds=15))
    harness.tick(advance=timedelta(minutes=5))

    expected = ["case.opened", "case.date_changed", "case.customer_told", "case.resolved"]
    assert sorted(receiver.types_of(case_id)) == sorted(expected)
    assert all(n == 1 for n in receiver.ids().values()) and receiver.bad_signatures == 0
    resolved = next(b for b in receiver.accepted if b["type"] == "case.resolved")
    assert resolved["data"]["final_cost"] == "40.00" and resolved["data"]["what_caused_it"] == "Supplier batch failed QA"
    assert resolved["case"]["external_id"] == "short-pick-4411"
    with harness.amends.db.transaction() as session:
        assert {row.state for row in session.scalars(select(OutboxEvent))} == {"sent"}


def test_a_change_rolled_back_owes_the_webhook_nothing(harness: Harness) -> None:
    with pytest.raises(RuntimeError), harness.amends.db.transaction() as session:
        intake = CaseIntake(customer_name="x", order_ref="1", promise="p", cause="other",
                                  promised_at=harness.clock.now() + timedelta(days=1))
        cases.open_case(session, intake, reporter_id=ASSOCIATE, config=harness.amends.config, now=harness.clock.now(),
                        lifecycle=harness.amends.lifecycle)
        raise RuntimeError("the rest of the change failed")
    with harness.amends.db.transaction() as session:
        assert session.scalars(select(OutboxEvent)).all() == []
