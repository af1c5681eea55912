"""The playbook engine and service, without Slack: progress rules, what blocks resolution, what is due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import bootstrap
from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.lifecycle import Lifecycle
from bot.cases.models import CaseStatus, Outcome
from bot.clock import FrozenClock
from bot.db import Database
from bot.errors import InvalidInput, NotAllowed
from bot.playbooks import service
from bot.playbooks.config import PlaybooksConfig
from bot.playbooks.loader import Library, load_library
from bot.playbooks.models import CasePath, CheckOutcome, StepStatus
from bot.playbooks.schema import StepAction
from bot.playbooks.service import UnchangedKind
from bot.settings import AmendsConfig
from tests.support import waive_required_steps

ASSOCIATE, COLLEAGUE, MANAGER = "U0ASSOC01", "U0ASSOC02", "U0MANAGER1"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def library(config: AmendsConfig) -> Library:
    return load_library(config.playbooks)


@pytest.fixture
def lifecycle(config: AmendsConfig, library: Library) -> Lifecycle:
    return bootstrap.lifecycle(config, library=library)


def open_case(db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle, *, cause: str = "stock-out",
              promised_in: timedelta = timedelta(days=2)) -> int:
    intake = CaseIntake(customer_name="Contoso", order_ref="SO-1", promise="40 desks",
                        promised_at=clock.now() + promised_in, cause=cause)
    with db.transaction() as session:
        return cases.open_case(session, intake, reporter_id=ASSOCIATE, config=config, now=clock.now(), lifecycle=lifecycle).id


def test_a_new_case_gets_its_playbook_with_due_times_fixed(db: Database, config: AmendsConfig, clock: FrozenClock,
                                                            lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        checklist = service.checklist(session, case_id, now=clock.now())
    assert checklist.playbook_id == "out-of-stock" and checklist.path == CasePath.RECOVERY
    due = {s.id: s.due_at for s in checklist.steps}
    assert due["alert-manager"] == clock.now() + timedelta(minutes=30)
    assert due["record-choice"] == clock.now() + timedelta(days=2)  # "promised"
    assert checklist.current.id == "keep-promise" and checklist.overdue == ()
    clock.advance(timedelta(hours=1))
    with db.transaction() as session:
        assert [s.id for s in service.checklist(session, case_id, now=clock.now()).overdue] == ["alert-manager"]


def test_editing_a_playbook_file_does_not_move_the_steps_of_a_case_in_progress(
        db: Database, config: AmendsConfig, clock: FrozenClock, tmp_path: Path) -> None:
    team = tmp_path / "team"
    team.mkdir()
    (team / "general.yaml").write_text("title: Ours\nsteps:\n  - {id: call, title: Call them, why: Fast.}\n")
    ours = load_library(PlaybooksConfig(folders=(team,)))
    case_id = open_case(db, config, clock, bootstrap.lifecycle(config, library=ours), cause="other")
    (team / "general.yaml").write_text("title: Changed\nsteps:\n  - {id: other, title: Other, why: Why.}\n")
    with db.transaction() as session:
        checklist = service.checklist(session, case_id, now=clock.now())
    assert checklist.title == "Ours" and [s.title for s in checklist.steps] == ["Call them"]


def test_required_steps_block_resolution_and_a_manager_waiver_lifts_it(
        db: Database, config: AmendsConfig, clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle, cause="other")
    with pytest.raises(cases.ResolveBlocked) as blocked, db.transaction() as session:
        cases.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(), outcome=Outcome.CANCELLED,
                           lifecycle=lifecycle)
    assert len(blocked.value.reasons) == 6  # the general playbook's required steps; not the closing one
    with db.transaction() as session:
        for step in service.checklist(session, case_id, now=clock.now()).steps:
            if step.required:
                with pytest.raises(NotAllowed, match="Only a manager"):
                    service.waive_step(session, case_id, step.id, reason="n/a", actor_id=ASSOCIATE,
                                       by_manager=False, now=clock.now())
                service.waive_step(session, case_id, step.id, reason="Customer cancelled at once.",
                                   actor_id=MANAGER, by_manager=True, now=clock.now())
    with db.transaction() as session:
        case = cases.resolve_case(session, case_id, actor_id=ASSOCIATE, now=clock.now(), outcome=Outcome.CANCELLED,
                                  lifecycle=lifecycle)
        closing = service.checklist(session, case_id, now=clock.now()).step("close")
    assert case.status == CaseStatus.RESOLVED
    assert closing.status == StepStatus.DONE and closing.status_by is None  # completed by resolving

    with db.transaction() as session:
        cases.reopen_case(session, case_id, actor_id=MANAGER, now=clock.now(), reason="customer came back",
                          lifecycle=lifecycle)
        assert service.checklist(session, case_id, now=clock.now()).step("close").is_open


def test_skip_needs_a_reason_and_an_optional_step(db: Database, config: AmendsConfig, clock: FrozenClock,
                                                  lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        with pytest.raises(InvalidInput):
            service.skip_step(session, case_id, "apologize", reason=" \n ", actor_id=ASSOCIATE, now=clock.now())
        with pytest.raises(NotAllowed, match="is required, so it can't be skipped"):
            service.skip_step(session, case_id, "contact-customer", reason="busy", actor_id=ASSOCIATE, now=clock.now())


def test_the_keep_the_promise_step_needs_a_check_recorded(db: Database, config: AmendsConfig,
                                                           clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle, cause="quality")
    with db.transaction() as session, pytest.raises(NotAllowed, match="Record how at least one way"):
        service.complete_step(session, case_id, "keep-promise", actor_id=ASSOCIATE, now=clock.now())


def test_changes_name_what_they_did_not_change(db: Database, config: AmendsConfig, clock: FrozenClock,
                                               lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        seen = service.checklist(session, case_id, now=clock.now()).revision
        assert service.complete_step(session, case_id, "apologize", actor_id=ASSOCIATE, now=clock.now(),
                                     seen_revision=seen).applied
    with db.transaction() as session:
        again = service.complete_step(session, case_id, "apologize", actor_id=COLLEAGUE, now=clock.now(),
                                      seen_revision=seen)
        stale = service.skip_step(session, case_id, "apologize", reason="x", actor_id=COLLEAGUE, now=clock.now(),
                                  seen_revision=seen)
        reopened = service.reopen_step(session, case_id, "apologize", actor_id=COLLEAGUE, now=clock.now(),
                                       seen_revision=again.checklist.revision)
    assert again.unchanged.kind == UnchangedKind.ALREADY and again.unchanged.by == ASSOCIATE
    assert stale.unchanged.kind == UnchangedKind.CHANGED_MEANWHILE and stale.unchanged.state == StepStatus.DONE
    assert reopened.applied


def test_a_check_that_worked_changes_the_path_and_what_is_due(db: Database, config: AmendsConfig,
                                                              clock: FrozenClock, lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    later = clock.now() + timedelta(days=3)
    with db.transaction() as session:
        before = {d.step_id for d in service.open_steps_due_before(session, later)}
        change = service.record_check(session, case_id, "incoming-order", CheckOutcome.WORKED, actor_id=ASSOCIATE,
                                      now=clock.now())
        after = [d for d in service.open_steps_due_before(session, later)]
    assert {"keep-promise", "alert-manager", "contact-customer", "record-choice"} <= before
    assert change.checklist.path == CasePath.PROMISE_KEPT
    assert [d.step_id for d in after] == ["confirm-delivery"]  # keep-promise is done; recovery steps not needed
    assert after[0].case_ref == "AM-1" and after[0].owner_id == ASSOCIATE and after[0].required


def test_due_steps_of_resolved_cases_are_not_listed(db: Database, config: AmendsConfig, clock: FrozenClock,
                                                    lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        waive_required_steps(session, case_id, clock.now())
        cases.resolve_case(session, case_id, actor_id=MANAGER, now=clock.now(), outcome=Outcome.CANCELLED,
                           lifecycle=lifecycle)
        assert service.open_steps_due_before(session, clock.now() + timedelta(days=30)) == []


def test_doing_a_steps_action_completes_it(db: Database, config: AmendsConfig, clock: FrozenClock,
                                           lifecycle: Lifecycle) -> None:
    case_id = open_case(db, config, clock, lifecycle)
    with db.transaction() as session:
        assert service.action_performed(session, case_id, StepAction.ESCALATE, actor_id=ASSOCIATE,
                                        now=clock.now()) == ["Tell your manager"]
        assert service.action_performed(session, case_id, StepAction.ESCALATE, actor_id=ASSOCIATE,
                                        now=clock.now()) == []
