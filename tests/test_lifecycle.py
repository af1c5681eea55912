"""A case's lifecycle without Slack: what opening, resolving, reopening and telling the customer set off,
inside the transaction that made the change, as bot/bootstrap.py declares it for every entry point; and
the recorded events what follows in Slack is dispatched from, once committed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot import bootstrap, changes
from bot.cases import service
from bot.cases.intake import CaseIntake
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import CaseStatus, Outcome
from bot.changes import Changes
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import Conflict
from bot.knowledge.models import Entry
from bot.playbooks import service as playbooks
from bot.playbooks.models import StepStatus
from bot.reminders import service as reminders
from bot.settings import AmendsConfig
from bot.tracking import service as tracking
from tests.support import waive_required_steps

ASSOCIATE, MANAGER = "U0ASSOC01", "U0MANAGER1"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def lifecycle(config: AmendsConfig) -> Lifecycle:
    return bootstrap.lifecycle(config)


def new_case(db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> int:
    intake = CaseIntake(customer_name="Contoso", order_ref="SO-1", promise="a desk",
                        promised_at=clock.now() + timedelta(days=1), cause="stock-out")
    with db.transaction() as session:
        return service.open_case(session, intake, reporter_id=ASSOCIATE, config=config, now=clock.now(),
                                 lifecycle=lifecycle).id


def resolvable(db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> int:
    case_id = new_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        waive_required_steps(session, case_id, clock.now())
    return case_id


def pending_kinds(db: Database, case_id: int) -> set[str]:
    with db.transaction() as session:
        return {r.kind for r in reminders.pending_for_case(session, case_id)}


def indexed(db: Database, case_id: int) -> bool:
    with db.transaction() as session:
        return session.scalar(select(Entry.id).where(Entry.case_id == case_id)) is not None


def test_a_new_case_gets_its_checklist_and_reminders_in_the_same_transaction(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = new_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        checklist = playbooks.checklist(session, case_id, now=clock.now())
    assert checklist is not None and checklist.playbook_id == "out-of-stock"
    assert {"status_update", "deadline_near"} <= pending_kinds(db, case_id)


def test_resolving_closes_the_checklist_stops_reminders_and_indexes_the_case_and_reopening_undoes_it(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = resolvable(db, config, clock, lifecycle)
    with db.transaction() as session:
        case = service.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(),
                                    outcome=Outcome.TOOK_ALTERNATIVE, lifecycle=lifecycle)
        closing = playbooks.checklist(session, case_id, now=clock.now()).step("close")
    assert case.status == CaseStatus.RESOLVED and case.resolved_at == clock.now()
    assert closing is not None and closing.status == StepStatus.DONE
    assert pending_kinds(db, case_id) == {"follow_up"}  # the satisfaction check, nothing else
    assert indexed(db, case_id)

    with db.transaction() as session:
        case = service.reopen_case(session, case_id, actor_id=MANAGER, now=clock.now(), reason="delivery failed",
                                   lifecycle=lifecycle)
        closing = playbooks.checklist(session, case_id, now=clock.now()).step("close")
        kinds = [e.kind for e in case.events if e.kind in {"opened", "resolved", "reopened"}]
    assert case.is_open and case.outcome is None and case.resolved_at is None
    assert kinds == ["opened", "resolved", "reopened"]
    assert closing is not None and closing.is_open
    assert "status_update" in pending_kinds(db, case_id) and "follow_up" not in pending_kinds(db, case_id)
    assert not indexed(db, case_id)


def test_an_open_required_step_blocks_resolution_and_nothing_changes(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = new_case(db, config, clock, lifecycle)
    with pytest.raises(service.ResolveBlocked) as blocked:
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(),
                                 outcome=Outcome.CUSTOMER_WAITED, lifecycle=lifecycle)
    assert "is required and still open" in blocked.value.user_message
    with db.transaction() as session:
        assert service.get_case(session, case_id).is_open
    assert "status_update" in pending_kinds(db, case_id)


def test_resolving_twice_or_from_a_stale_version_is_a_conflict(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = resolvable(db, config, clock, lifecycle)
    with pytest.raises(Conflict, match="changed since"):
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                                 lifecycle=lifecycle, expected_version=0)
    with db.transaction() as session:
        service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                             lifecycle=lifecycle)
    with pytest.raises(Conflict, match="already resolved"):
        with db.transaction() as session:
            service.resolve_case(session, case_id, actor_id="U1", now=clock.now(), outcome=Outcome.CANCELLED,
                                 lifecycle=lifecycle)


def test_telling_the_customer_ticks_the_contact_step_calls_off_the_deadline_watch_and_keeps_the_first_time(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = new_case(db, config, clock, lifecycle)
    first = clock.now()
    with db.transaction() as session:
        service.record_customer_contacted(session, case_id, actor_id="U1", now=first, channel="phone",
                                          lifecycle=lifecycle)
    clock.advance(timedelta(hours=3))
    with db.transaction() as session:
        case = service.record_customer_contacted(session, case_id, actor_id="U1", now=clock.now(),
                                                 channel="email", lifecycle=lifecycle)
        contact = [s for s in playbooks.checklist(session, case_id, now=clock.now()).steps
                   if s.action == "draft_message"]
    assert case.customer_contacted_at == first
    assert contact and all(s.status == StepStatus.DONE for s in contact)
    assert "deadline_near" not in pending_kinds(db, case_id)


def test_the_satisfaction_recorded_later_reaches_the_indexed_case(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = resolvable(db, config, clock, lifecycle)
    details = tracking.ResolutionInput(Outcome.CUSTOMER_WAITED, Decimal("0"), "Supplier slipped")
    with db.transaction() as session:
        tracking.resolve(session, case_id, details, actor_id=ASSOCIATE, now=clock.now(), lifecycle=lifecycle,
                         schedule=tracking.ItemSchedule(config.workspace.zone))
        tracking.record_satisfaction(session, case_id, score=4, comment="Kind call", actor_id=ASSOCIATE,
                                     now=clock.now(), lifecycle=lifecycle)
    with db.transaction() as session:
        entry = session.scalar(select(Entry).where(Entry.case_id == case_id))
    assert entry is not None and "Customer satisfaction: 4/5 (Kind call)" in entry.body


def test_case_events_are_handed_on_in_order_once_committed_and_never_after_a_rollback(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    heard: list[Changes] = []
    changes.after_commit(db, heard.append)
    case_id = resolvable(db, config, clock, lifecycle)
    assert [e.kind for e in heard[0].events][:2] == ["opened", "playbook_attached"]
    assert heard[0].events[0].case_id == case_id and heard[0].events[0].case_ref == f"AM-{case_id}"
    assert heard[0].events[0].actor_id == ASSOCIATE

    heard.clear()
    with pytest.raises(RuntimeError), db.transaction() as session:
        service.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(), outcome=Outcome.CANCELLED,
                             lifecycle=lifecycle)
        raise RuntimeError("the request failed after the change")
    with db.transaction() as session:
        assert service.get_case(session, case_id).is_open
    assert heard == []

    with db.transaction() as session:
        service.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(), outcome=Outcome.CANCELLED,
                             lifecycle=lifecycle)
    [committed] = heard
    resolved = [e for e in committed.events if e.kind == "resolved"]
    assert len(resolved) == 1 and resolved[0].data == {"outcome": Outcome.CANCELLED}
