"""Resolving and reopening cases, with guards and hooks other areas plug into."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.cases import service
from bot.cases.hooks import CaseHooks
from bot.cases.intake import CaseIntake
from bot.cases.models import CaseStatus, Outcome
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import Conflict
from bot.settings import AmendsConfig


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    yield database
    database.dispose()


def new_case(db: Database, config: AmendsConfig, clock: FrozenClock, hooks: CaseHooks | None = None) -> int:
    intake = CaseIntake(customer_name="Contoso", order_ref="SO-1", promise="a desk",
                        promised_at=clock.now() + timedelta(days=1), cause="stock-out")
    with db.transaction() as session:
        return service.open_case(session, intake, reporter_id="U0ASSOC01", config=config, now=clock.now(),
                                 hooks=hooks).id


def test_resolve_records_outcome_and_runs_hooks(db: Database, config: AmendsConfig, clock: FrozenClock) -> None:
    seen: list[str] = []
    hooks = CaseHooks(on_opened=[lambda s, c, now: seen.append(f"opened {c.ref}")],
                      on_resolved=[lambda s, c, now: seen.append(f"resolved {c.ref} {c.outcome}")])
    case_id = new_case(db, config, clock, hooks)
    with db.transaction() as session:
        case = service.resolve_case(session, case_id, actor_id="U0ASSOC01", now=clock.now(),
                                    outcome=Outcome.TOOK_ALTERNATIVE, hooks=hooks)
    assert case.status == CaseStatus.RESOLVED and case.resolved_at == clock.now()
    assert seen == ["opened AM-1", "resolved AM-1 took_alternative"]


def test_a_guard_blocks_resolution_and_nothing_changes(db: Database, config: AmendsConfig,
                                                       clock: FrozenClock) -> None:
    hooks = CaseHooks(resolve_guards=[lambda s, c: ["“Contact the customer” is still open"]])
    case_id = new_case(db, config, clock)
    with pytest.raises(service.ResolveBlocked) as blocked:
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id="U0ASSOC01", now=clock.now(),
                                 outcome=Outcome.CUSTOMER_WAITED, hooks=hooks)
    assert "Contact the customer" in blocked.value.user_message
    with db.transaction() as session:
        assert service.get_case(session, case_id).is_open


def test_resolving_twice_or_from_a_stale_version_is_a_conflict(db: Database, config: AmendsConfig,
                                                               clock: FrozenClock) -> None:
    hooks = CaseHooks()
    case_id = new_case(db, config, clock)
    with pytest.raises(Conflict, match="changed since"):
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                                 hooks=hooks, expected_version=0)
    with db.transaction() as session:
        service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                             hooks=hooks)
    with pytest.raises(Conflict, match="already resolved"):
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                                 hooks=hooks)


def test_reopen_clears_the_outcome_and_is_logged(db: Database, config: AmendsConfig, clock: FrozenClock) -> None:
    hooks = CaseHooks()
    case_id = new_case(db, config, clock)
    with db.transaction() as session:
        service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.PROMISE_KEPT,
                             hooks=hooks)
    with db.transaction() as session:
        case = service.reopen_case(session, case_id, actor_id="U2", now=clock.now(), reason="delivery failed",
                                   hooks=hooks)
        kinds = [e.kind for e in case.events]
    assert case.is_open and case.outcome is None and case.resolved_at is None
    assert kinds == ["opened", "resolved", "reopened"]


def test_first_customer_contact_is_kept(db: Database, config: AmendsConfig, clock: FrozenClock) -> None:
    case_id = new_case(db, config, clock)
    first = clock.now()
    with db.transaction() as session:
        service.record_customer_contacted(session, case_id, actor_id="U1", now=first, channel="phone",
                                          hooks=CaseHooks())
    clock.advance(timedelta(hours=3))
    with db.transaction() as session:
        case = service.record_customer_contacted(session, case_id, actor_id="U1", now=clock.now(),
                                                 channel="email", hooks=CaseHooks())
    assert case.customer_contacted_at == first
