"""The figures of a period: what broke, how fast customers heard, how it ended, what it cost, how the
customers felt, what is still to do and the best lessons; and one row per case for export.

Shared by `amends report` and the weekly digest, so both always say the same thing. Plain values in and
out; the caller owns the (read-only) transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from statistics import median

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.cases.causes import Cause
from bot.cases.models import Case, CaseEvent, Outcome
from bot.playbooks.models import StepProgress
from bot.tracking.models import ActionItem, Resolution

# How good an ending is for the customer, best first (for ranking lessons).
OUTCOME_RANK = {Outcome.PROMISE_KEPT: 3, Outcome.TOOK_ALTERNATIVE: 2, Outcome.CUSTOMER_WAITED: 1, Outcome.CANCELLED: 0}
CONTACT_ACTION = "draft_message"  # a playbook step with this action is "contact the customer"
CHUNK = 500


@dataclass(frozen=True)
class Lesson:
    ref: str
    cause: str
    outcome: str
    final_cost: Decimal
    currency: str
    satisfaction: int | None
    what_caused_it: str
    what_worked: str | None
    what_should_change: str | None
    permalink: str | None = None


@dataclass(frozen=True)
class CaseRow:
    """One case in the per-case export."""

    ref: str
    opened_at: datetime
    cause: str
    severity: str
    customer: str
    order: str
    owner: str
    status: str
    outcome: str | None
    resolved_at: datetime | None
    customer_contacted_at: datetime | None
    hours_to_contact: float | None
    final_cost: Decimal | None
    currency: str
    satisfaction: int | None
    satisfaction_comment: str | None
    what_caused_it: str | None
    what_worked: str | None
    what_should_change: str | None
    action_items: int
    action_items_open: int


@dataclass(frozen=True)
class Figures:
    start: datetime
    end: datetime
    currency: str
    opened: int
    resolved: int
    by_cause: dict[str, int]                 # cases opened in the period, most frequent first
    median_hours_to_contact: float | None    # detection (case opened) -> the customer first told
    contacted: int                           # cases opened in the period whose customer was told
    outcomes: dict[str, int]                 # cases resolved in the period, by outcome
    spent: Decimal                           # final costs of the cases resolved in the period
    budget: Decimal | None                   # None: no budget known
    satisfaction_average: float | None       # satisfaction recorded in the period
    satisfaction_count: int
    satisfaction_scores: dict[int, int]
    open_action_items: int                   # at the end of the period
    overdue_action_items: int
    best_lessons: list[Lesson] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)

    @property
    def budget_left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent


def figures(session: Session, *, start: datetime, end: datetime, currency: str, best: int = 3,
            budget: Decimal | None = None) -> Figures:
    """Everything about [start, end): cases opened or resolved in it, action items as they stand at `end`."""
    opened = session.scalars(select(Case).where(Case.created_at >= start, Case.created_at < end)
                             .order_by(Case.created_at, Case.id)).all()
    resolved_rows = session.execute(
        select(Resolution, Case).join(Case, Case.id == Resolution.case_id)
        .where(Resolution.reopened_at.is_(None), Resolution.resolved_at >= start, Resolution.resolved_at < end)
        .order_by(Resolution.resolved_at, Resolution.id)).all()
    satisfied = session.scalars(select(Resolution.satisfaction).where(
        Resolution.reopened_at.is_(None), Resolution.satisfaction.is_not(None),
        Resolution.satisfaction_at >= start, Resolution.satisfaction_at < end)).all()

    contacts = contact_times(session, [c.id for c in opened])
    waits = [(contacts[c.id] - c.created_at).total_seconds() / 3600 for c in opened if c.id in contacts]
    causes = Counter(c.cause for c in opened)
    outcomes = Counter(r.outcome for r, _ in resolved_rows)
    scores = Counter(int(s) for s in satisfied)
    open_items = session.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.created_at < end, or_(ActionItem.done_at.is_(None), ActionItem.done_at >= end))) or 0
    overdue_items = session.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.created_at < end, ActionItem.overdue_at <= end,
        or_(ActionItem.done_at.is_(None), ActionItem.done_at >= end))) or 0
    return Figures(
        start=start, end=end, currency=currency, opened=len(opened), resolved=len(resolved_rows),
        by_cause=dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))),
        median_hours_to_contact=round(median(waits), 1) if waits else None, contacted=len(waits),
        outcomes={o.value: outcomes[o.value] for o in Outcome if outcomes[o.value]},
        spent=sum((r.final_cost for r, _ in resolved_rows), Decimal("0.00")), budget=budget,
        satisfaction_average=round(sum(satisfied) / len(satisfied), 2) if satisfied else None,
        satisfaction_count=len(satisfied), satisfaction_scores=dict(sorted(scores.items())),
        open_action_items=int(open_items), overdue_action_items=int(overdue_items),
        best_lessons=best_lessons(resolved_rows, best),
        cases=case_rows(session, opened, resolved_rows, contacts, currency),
    )


def best_lessons(rows: Iterable[tuple[Resolution, Case]], limit: int) -> list[Lesson]:
    """The lessons most worth reading: happiest customers, best endings, something that worked, cheapest."""
    def merit(row: tuple[Resolution, Case]) -> tuple[int, int, int, Decimal, float]:
        resolution, _ = row
        return (resolution.satisfaction or 0, OUTCOME_RANK.get(Outcome(resolution.outcome), 0),
                1 if resolution.lesson_worked else 0, -resolution.final_cost, resolution.resolved_at.timestamp())

    ranked = sorted(rows, key=merit, reverse=True)[:limit]
    return [Lesson(ref=case.ref or str(case.id), cause=case.cause, outcome=r.outcome, final_cost=r.final_cost,
                   currency=r.currency, satisfaction=r.satisfaction, what_caused_it=r.lesson_cause,
                   what_worked=r.lesson_worked, what_should_change=r.lesson_change, permalink=case.permalink)
            for r, case in ranked]


def contact_times(session: Session, case_ids: Sequence[int]) -> dict[int, datetime]:
    """When each case's customer was first told: drafting's "Mark as sent" and the reminders' "Customer
    told" set case.customer_contacted_at; ticking the playbook's contact step counts too, if earlier."""
    found: dict[int, datetime] = {}
    for i in range(0, len(case_ids), CHUNK):
        chunk = list(case_ids[i:i + CHUNK])
        for case_id, at in session.execute(select(Case.id, Case.customer_contacted_at)
                                           .where(Case.id.in_(chunk), Case.customer_contacted_at.is_not(None))):
            found[case_id] = at
        steps = {(case_id, step_id) for case_id, step_id in session.execute(
            select(StepProgress.case_id, StepProgress.step_id)
            .where(StepProgress.case_id.in_(chunk), StepProgress.action == CONTACT_ACTION))}
        if not steps:
            continue
        for case_id, at, data in session.execute(
                select(CaseEvent.case_id, CaseEvent.at, CaseEvent.data)
                .where(CaseEvent.case_id.in_(chunk), CaseEvent.kind == "step_done")):
            if (case_id, (data or {}).get("step")) in steps and (case_id not in found or at < found[case_id]):
                found[case_id] = at
    return found


def case_rows(session: Session, opened: Sequence[Case], resolved: Sequence[tuple[Resolution, Case]],
              contacts: dict[int, datetime], currency: str) -> list[CaseRow]:
    """Every case opened or resolved in the period, oldest first."""
    cases = {c.id: c for c in opened}
    for _, case in resolved:
        cases.setdefault(case.id, case)
    ids = sorted(cases, key=lambda i: (cases[i].created_at, i))
    contacts = {**contact_times(session, [i for i in ids if i not in contacts]), **contacts}
    live = {r.case_id: r for r, _ in resolved}
    missing = [i for i in ids if i not in live and not cases[i].is_open]
    for i in range(0, len(missing), CHUNK):
        for r in session.scalars(select(Resolution).where(Resolution.case_id.in_(missing[i:i + CHUNK]),
                                                          Resolution.reopened_at.is_(None))):
            live[r.case_id] = r
    counts: dict[int, tuple[int, int]] = {}
    for i in range(0, len(ids), CHUNK):
        for case_id, total, done in session.execute(
                select(ActionItem.case_id, func.count(), func.count(ActionItem.done_at))
                .where(ActionItem.case_id.in_(ids[i:i + CHUNK])).group_by(ActionItem.case_id)):
            counts[case_id] = (int(total), int(total) - int(done))
    rows = []
    for case_id in ids:
        case, resolution, contacted = cases[case_id], live.get(case_id), contacts.get(case_id)
        rows.append(CaseRow(
            ref=case.ref or str(case.id), opened_at=case.created_at, cause=case.cause, severity=case.severity,
            customer=case.customer_name, order=case.order_ref, owner=case.owner_id, status=case.status,
            outcome=case.outcome, resolved_at=case.resolved_at, customer_contacted_at=contacted,
            hours_to_contact=round((contacted - case.created_at).total_seconds() / 3600, 1) if contacted else None,
            final_cost=resolution.final_cost if resolution else None,
            currency=resolution.currency if resolution else case.currency or currency,
            satisfaction=resolution.satisfaction if resolution else None,
            satisfaction_comment=resolution.satisfaction_comment if resolution else None,
            what_caused_it=resolution.lesson_cause if resolution else None,
            what_worked=resolution.lesson_worked if resolution else None,
            what_should_change=resolution.lesson_change if resolution else None,
            action_items=counts.get(case_id, (0, 0))[0], action_items_open=counts.get(case_id, (0, 0))[1],
        ))
    return rows


def cause_label(cause: str) -> str:
    return Cause(cause).label if cause in Cause._value2member_map_ else cause


def outcome_label(outcome: str) -> str:
    return Outcome(outcome).label if outcome in Outcome._value2member_map_ else outcome
