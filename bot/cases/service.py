"""Case use cases. Plain values in, plain values out; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases import severity
from bot.cases.intake import CaseIntake
from bot.cases.models import Case, CaseEvent, CaseStatus
from bot.errors import NotFound
from bot.settings import AmendsConfig


def record_event(session: Session, case: Case, kind: str, actor_id: str | None, at: datetime,
                 **data: Any) -> CaseEvent:
    event = CaseEvent(case=case, kind=kind, actor_id=actor_id, at=at, data=data)
    session.add(event)
    return event


def open_case(session: Session, intake: CaseIntake, *, reporter_id: str, config: AmendsConfig,
              now: datetime) -> Case:
    """Save a new case, owned by the associate who reported it, with its severity derived."""
    tier = config.tier(intake.customer_tier)
    assessment = severity.assess(
        promised_at=intake.promised_at,
        now=now,
        order_value=intake.order_value,
        tier_weight=tier.weight if tier else 0,
        tier_label=tier.label if tier else None,
        rules=config.severity,
    )
    case = Case(
        status=CaseStatus.OPEN,
        severity=assessment.severity,
        customer_name=intake.customer_name,
        customer_contact=intake.customer_contact,
        customer_tier=intake.customer_tier,
        order_ref=intake.order_ref,
        promise=intake.promise,
        promised_at=intake.promised_at,
        new_date=intake.new_date,
        cause=intake.cause,
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
    record_event(session, case, "opened", reporter_id, now, severity=assessment.severity,
                 severity_points=assessment.points, severity_reasons=list(assessment.reasons))
    session.flush()
    return case


def attach_message(session: Session, case_id: int, *, channel_id: str, message_ts: str,
                   permalink: str | None, now: datetime) -> Case:
    """Remember the case message; its thread is where the team follows the case."""
    case = get_case(session, case_id)
    case.channel_id = channel_id
    case.message_ts = message_ts
    case.permalink = permalink
    case.updated_at = now
    record_event(session, case, "posted", None, now, channel_id=channel_id, message_ts=message_ts)
    return case


def record_post_failure(session: Session, case_id: int, *, error: str, now: datetime) -> None:
    case = get_case(session, case_id)
    record_event(session, case, "post_failed", None, now, error=error)


def get_case(session: Session, case_id: int) -> Case:
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
