"""Case use cases. Plain values in, plain values out; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import changes
from bot.cases import edit as edits
from bot.cases import severity
from bot.cases.achievable import Achievable, earlier_than_achievable
from bot.cases.causes import PromiseKind, infer_kind
from bot.cases.edit import CaseEdit
from bot.cases.intake import CaseIntake
from bot.cases.lifecycle import (
    Blocker,
    CaseEdited,
    CaseOpened,
    CaseReopened,
    CaseResolved,
    CustomerContacted,
    Lifecycle,
)
from bot.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus, Outcome
from bot.errors import AmendsError, Conflict, NotAllowed, NotFound
from bot.settings import AmendsConfig


class ResolveBlocked(AmendsError):
    def __init__(self, ref: str, blockers: list[Blocker]) -> None:
        listed = "\n".join(f"• {b.reason}" for b in blockers)
        super().__init__(f"{ref} can't be resolved yet:\n{listed}")
        self.blockers = blockers
        self.reasons = [b.reason for b in blockers]


def record_event(session: Session, case: Case, kind: str, actor_id: str | None, at: datetime,
                 **data: Any) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor_id=actor_id, at=at, data=data)
    session.add(event)
    # Every change to a case is logged here, so this is where views of cases (the App Home) and what
    # follows a case event outside the database (bot/slack/case_followups.py) learn of it, after commit.
    changes.note(session, case_id=case.id, users=[case.owner_id],
                 event=changes.RecordedEvent(case.id, case.ref, kind, actor_id, dict(data)))
    return event


def _assess(config: AmendsConfig, *, promised_at: datetime, now: datetime, order_value: Any,
            tier_id: str | None) -> severity.Assessment:
    tier = config.tier(tier_id)
    return severity.assess(promised_at=promised_at, now=now, order_value=order_value,
                           tier_weight=tier.weight if tier else 0, tier_label=tier.label if tier else None,
                           rules=config.severity)


def open_case(session: Session, intake: CaseIntake, *, reporter_id: str, config: AmendsConfig,
              now: datetime, lifecycle: Lifecycle, achievable: Achievable | None = None,
              overridden: bool = False) -> Case:
    """Save a new case, owned by the associate who reported it, with its severity derived, and the
    achievable date it was opened against (bot/cases/achievable.py). `overridden`: the associate was warned
    that the new date is earlier than achievable and kept it; the case log says so."""
    assessment = _assess(config, promised_at=intake.promised_at, now=now, order_value=intake.order_value,
                         tier_id=intake.customer_tier)
    case = Case(
        status=CaseStatus.OPEN,
        severity=assessment.severity,
        customer_name=intake.customer_name,
        customer_contact=intake.customer_contact,
        customer_timezone=intake.customer_timezone,
        customer_language=intake.customer_language,
        customer_tier=intake.customer_tier,
        order_ref=intake.order_ref,
        promise=intake.promise,
        promised_at=intake.promised_at,
        new_date=intake.new_date,
        origin=intake.origin,
        cause=intake.cause,
        cause_detail=intake.cause_detail,
        promise_kind=intake.promise_kind or infer_kind(intake.cause, intake.promise),
        order_value=intake.order_value,
        currency=config.workspace.currency,
        notes=intake.notes,
        owner_id=reporter_id,
        reporter_id=reporter_id,
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()  # assigns the id the reference is made from
    case.ref = f"{config.cases.id_prefix}-{case.id}"
    record_event(session, case, CaseEventKind.OPENED, reporter_id, now, severity=assessment.severity,
                 severity_points=assessment.points, severity_reasons=list(assessment.reasons))
    set_achievable(case, achievable)
    if overridden and earlier_than_achievable(case.new_date, achievable, config.workspace.zone):
        record_override(session, case, achievable, actor_id=reporter_id, now=now)  # type: ignore[arg-type]
    session.flush()
    lifecycle.emit(session, CaseOpened(case, now))
    return case


def set_achievable(case: Case, achievable: Achievable | None) -> None:
    """Record the achievable date on the case (None: nothing says; an ETA's stays until another)."""
    if achievable is None:
        return
    case.achievable_date, case.achievable_source, case.achievable_eta = achievable.date, achievable.source, \
        achievable.eta


def record_override(session: Session, case: Case, achievable: Achievable, *, actor_id: str, now: datetime
                    ) -> CaseEvent:
    """The associate was told the new date is earlier than the team can keep, and kept it."""
    assert case.new_date is not None
    return record_event(session, case, CaseEventKind.ACHIEVABLE_OVERRIDDEN, actor_id, now,
                        new_date=case.new_date.isoformat(), achievable_date=achievable.date.isoformat(),
                        achievable_source=achievable.source)


def attach_message(session: Session, case_id: int, *, channel_id: str, message_ts: str,
                   permalink: str | None, now: datetime) -> Case:
    """Remember the case message; its thread is where the team follows the case."""
    # Locked: a case opened by another system may be changed again (told, resolved) while it is posted.
    case = get_case(session, case_id, for_update=True)
    case.channel_id = channel_id
    case.message_ts = message_ts
    case.permalink = permalink
    case.updated_at = now
    record_event(session, case, CaseEventKind.POSTED, None, now, channel_id=channel_id, message_ts=message_ts)
    return case


def record_post_failure(session: Session, case_id: int, *, error: str, now: datetime) -> None:
    case = get_case(session, case_id)
    record_event(session, case, CaseEventKind.POST_FAILED, None, now, error=error)


def record_customer_contacted(session: Session, case_id: int, *, actor_id: str, now: datetime,
                              channel: str, lifecycle: Lifecycle) -> Case:
    """The customer has been told (by phone, email, SMS...). The first contact is what deadlines watch."""
    case = get_case(session, case_id)
    if case.customer_contacted_at is None:
        case.customer_contacted_at = now
    case.updated_at = now
    record_event(session, case, CaseEventKind.CUSTOMER_CONTACTED, actor_id, now, channel=channel)
    lifecycle.emit(session, CustomerContacted(case, now))
    return case


def change_promise_kind(session: Session, case_id: int, kind: PromiseKind, *, actor_id: str, now: datetime) -> Case:
    """Correct what kind of promise it is (a session, not a delivery); messages are worded by it from now
    on. The checklist already attached stays."""
    case = get_case(session, case_id, for_update=True)
    if case.promise_kind != kind:
        previous, case.promise_kind, case.updated_at = case.promise_kind, kind.value, now
        record_event(session, case, CaseEventKind.PROMISE_KIND_CHANGED, actor_id, now, previous=previous,
                     promise_kind=kind.value)
    return case


@dataclass(frozen=True)
class Edited:
    case: Case
    # field -> (before, after) for what really changed ("severity" too, when the tier moved it); empty:
    # nothing did, and nothing was logged.
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def check_may_edit(case: Case, actor_id: str, *, is_manager: bool) -> None:
    """Only an open case, and only by its owner or a manager (asked before a form opens and again on save)."""
    if not case.is_open:
        raise Conflict(f"{case.ref} is resolved, so its details stay as they were when it closed. Reopen it "
                       "first if something about it has changed.")
    if actor_id != case.owner_id and not is_manager:
        raise NotAllowed(f"Only <@{case.owner_id}>, who owns {case.ref}, or a manager can edit it. If something "
                         "in it is wrong, tell them in the case thread.")


def edit_case(session: Session, case_id: int, edit: CaseEdit, *, actor_id: str | None, now: datetime,
              config: AmendsConfig, lifecycle: Lifecycle, is_manager: bool = False,
              kind: str = CaseEventKind.EDITED, **data: Any) -> Edited:
    """Change the case's new date, the customer's contact, timezone or tier: the one way they change after
    the intake, whoever asks. A person (`actor_id`) must be allowed (check_may_edit); an order system's
    ETA (actor None, its own event `kind` and `data`) is recorded as upstream said it, even on a resolved
    case. What changed is logged before -> after (who, when) and the lifecycle's CaseEdited reactions run.

    A new tier re-derives the severity as the intake would have with it: how near the promise was is
    judged as at the intake, so editing never moves a case up merely because time has passed."""
    case = get_case(session, case_id, for_update=True)
    if actor_id is not None:
        check_may_edit(case, actor_id, is_manager=is_manager)
    changes = {name: (getattr(case, name), value) for name, value in edit.values().items()
               if getattr(case, name) != value}
    if not changes:
        return Edited(case)
    for name, (_, value) in changes.items():
        setattr(case, name, value)
    if "customer_tier" in changes:
        reassessed = _assess(config, promised_at=case.promised_at, now=case.created_at,
                             order_value=case.order_value, tier_id=case.customer_tier).severity
        if reassessed != case.severity:
            changes["severity"] = (case.severity, reassessed.value)
            case.severity = reassessed.value
    case.updated_at = now
    record_event(session, case, kind, actor_id, now, **edits.log_data(changes), **data)
    lifecycle.emit(session, CaseEdited(case, now, frozenset(changes)))
    return Edited(case, changes)


def change_owner(session: Session, case_id: int, *, new_owner_id: str, actor_id: str, now: datetime) -> Case:
    """Hand a case over to a colleague; reminders follow the owner from their next send."""
    case = get_case(session, case_id, for_update=True)
    if not case.is_open:
        raise Conflict(f"{case.ref} is resolved; reopen it before handing it over.")
    if new_owner_id == case.owner_id:
        raise Conflict(f"{case.ref} is already owned by that person.")
    previous = case.owner_id
    case.owner_id = new_owner_id
    case.updated_at = now
    changes.note(session, case_id=case.id, users=[previous])  # the case leaves their Home
    record_event(session, case, CaseEventKind.OWNER_CHANGED, actor_id, now, previous_owner=previous, new_owner=new_owner_id)
    return case


def resolve_case(session: Session, case_id: int, *, actor_id: str, now: datetime, outcome: Outcome,
                 lifecycle: Lifecycle, expected_version: int | None = None) -> Case:
    """Close a case with its outcome, unless a guard says something required is still open."""
    case = get_case(session, case_id, for_update=True)
    if expected_version is not None and case.version != expected_version:
        raise Conflict(f"{case.ref} changed since you opened it; please look at it again.")
    if not case.is_open:
        raise Conflict(f"{case.ref} is already resolved.")
    blockers = lifecycle.blockers(session, case)
    if blockers:
        raise ResolveBlocked(case.ref or str(case.id), blockers)
    case.status = CaseStatus.RESOLVED
    case.outcome = outcome
    case.resolved_at = now
    case.updated_at = now
    record_event(session, case, CaseEventKind.RESOLVED, actor_id, now, outcome=outcome)
    lifecycle.emit(session, CaseResolved(case, now))
    return case


def reopen_case(session: Session, case_id: int, *, actor_id: str, now: datetime, reason: str,
                lifecycle: Lifecycle) -> Case:
    case = get_case(session, case_id, for_update=True)
    if case.is_open:
        raise Conflict(f"{case.ref} is already open.")
    previous = case.outcome
    case.status = CaseStatus.OPEN
    case.outcome = None
    case.resolved_at = None
    case.updated_at = now
    record_event(session, case, CaseEventKind.REOPENED, actor_id, now, reason=reason, previous_outcome=previous)
    lifecycle.emit(session, CaseReopened(case, now))
    return case


# Ids are 64-bit signed integers in both databases; a larger one can name no case (and SQLite refuses to
# bind it rather than find nothing).
MAX_ID = 2**63 - 1


def get_case(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    if not 0 < case_id <= MAX_ID:
        raise NotFound(f"I can't find case #{case_id}.")
    if for_update:
        # Row lock on PostgreSQL (SQLite serialises writers anyway): two people resolving at once queue up.
        case = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
        if case is not None:
            return case
        raise NotFound(f"I can't find case #{case_id}; it may have been removed.")
    return _get_case(session, case_id)


def get_cases(session: Session, case_ids: Sequence[int]) -> Sequence[Case]:
    """Several cases in one query (any order; missing ids are left out)."""
    if not case_ids:
        return []
    return session.scalars(select(Case).where(Case.id.in_(list(set(case_ids))))).all()


def _get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"I can't find case #{case_id}; it may have been removed.")
    return case


def find_case(session: Session, ref: str) -> Case:
    ref = ref.strip().upper()
    case = session.scalar(select(Case).where(Case.ref == ref))
    if case is None:
        raise NotFound(f"There is no case {ref}.")
    return case


def open_cases_owned_by(session: Session, owner_id: str, *, limit: int = 50) -> Sequence[Case]:
    """The owner's open cases, the one due soonest first."""
    return session.scalars(
        select(Case)
        .where(Case.owner_id == owner_id, Case.status == CaseStatus.OPEN)
        .order_by(Case.promised_at, Case.id)
        .limit(limit)
    ).all()


def count_open_cases_owned_by(session: Session, owner_id: str) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).select_from(Case).where(Case.owner_id == owner_id, Case.status == CaseStatus.OPEN)
    ) or 0
