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
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bot.cases.causes import Cause
from bot.cases.models import Case, CaseEvent, Outcome
from bot.offers import service as offers
from bot.offers.catalog import Catalog
from bot.offers.learning import CatalogFigures, catalog_figures
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
    spent: Decimal                           # compensation: the final cost of the customers' recorded choices
    budget: Decimal | None                   # their compensation budgets (offers area); None: no offer made
    offer_cases: int                         # cases with an offer made or a choice recorded in the period
    final_costs: Decimal                     # what the cases resolved in the period cost, as recorded at resolve
    satisfaction_average: float | None       # satisfaction recorded in the period
    satisfaction_count: int
    satisfaction_scores: dict[int, int]
    open_action_items: int                   # at the end of the period
    overdue_action_items: int
    best_lessons: list[Lesson] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    # Each catalog entry over the cases resolved in the period, and those nobody took in 90 days (bot.offers).
    alternatives: CatalogFigures | None = None

    @property
    def budget_left(self) -> Decimal | None:
        return None if self.budget is None else self.budget - self.spent


# Plain rows, not ORM objects: loading 10,000 cases as objects took 2.8 s of a 30-day report's 4.5 s.
CASE_COLUMNS = (Case.id, Case.ref, Case.created_at, Case.cause, Case.severity, Case.customer_name, Case.order_ref,
                Case.owner_id, Case.status, Case.outcome, Case.resolved_at, Case.currency, Case.customer_contacted_at,
                Case.permalink)
RESOLUTION_COLUMNS = (Resolution.case_id, Resolution.resolved_at, Resolution.outcome, Resolution.final_cost,
                      Resolution.currency, Resolution.satisfaction, Resolution.satisfaction_comment,
                      Resolution.lesson_cause, Resolution.lesson_worked, Resolution.lesson_change)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield list(ids[i:i + CHUNK])


def figures(session: Session, *, start: datetime, end: datetime, currency: str, best: int = 3,
            catalog: Catalog | None = None) -> Figures:
    """Everything about [start, end): cases opened or resolved in it, compensation against budget for the
    cases with an offer or a choice in it (bot.offers), how each alternative and incentive did (with the
    `catalog`'s entries nobody took in 90 days), action items as they stand at `end`."""
    opened = session.execute(select(*CASE_COLUMNS).where(Case.created_at >= start, Case.created_at < end)
                             .order_by(Case.created_at, Case.id)).all()
    resolved = session.execute(
        select(*RESOLUTION_COLUMNS)
        .where(Resolution.reopened_at.is_(None), Resolution.resolved_at >= start, Resolution.resolved_at < end)
        .order_by(Resolution.resolved_at, Resolution.id)).all()
    satisfied = session.scalars(select(Resolution.satisfaction).where(
        Resolution.reopened_at.is_(None), Resolution.satisfaction.is_not(None),
        Resolution.satisfaction_at >= start, Resolution.satisfaction_at < end)).all()

    cases = {row.id: row for row in opened}
    for chunk in _chunks([r.case_id for r in resolved if r.case_id not in cases]):
        cases.update((row.id, row) for row in session.execute(select(*CASE_COLUMNS).where(Case.id.in_(chunk))))
    contacts = contact_times(session, list(cases.values()))
    waits = [(contacts[c.id] - c.created_at).total_seconds() / 3600 for c in opened if c.id in contacts]
    causes = Counter(c.cause for c in opened)
    outcomes = Counter(r.outcome for r in resolved)
    scores = Counter(int(s) for s in satisfied)
    still_open = or_(ActionItem.done_at.is_(None), ActionItem.done_at >= end)
    open_items = session.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.created_at < end, still_open)) or 0
    overdue_items = session.scalar(select(func.count()).select_from(ActionItem).where(
        ActionItem.created_at < end, ActionItem.overdue_at <= end, still_open)) or 0
    compensation = offers.spending(session, start, end)
    return Figures(
        start=start, end=end, currency=currency, opened=len(opened), resolved=len(resolved),
        by_cause=dict(sorted(causes.items(), key=lambda kv: (-kv[1], kv[0]))),
        median_hours_to_contact=round(median(waits), 1) if waits else None, contacted=len(waits),
        outcomes={o.value: outcomes[o.value] for o in Outcome if outcomes[o.value]},
        spent=compensation.spent, budget=compensation.budget if compensation.cases else None,
        offer_cases=len(compensation.cases), final_costs=sum((r.final_cost for r in resolved), Decimal("0.00")),
        satisfaction_average=round(sum(satisfied) / len(satisfied), 2) if satisfied else None,
        satisfaction_count=len(satisfied), satisfaction_scores=dict(sorted(scores.items())),
        open_action_items=int(open_items), overdue_action_items=int(overdue_items),
        best_lessons=best_lessons(resolved, cases, best),
        cases=case_rows(session, cases, resolved, contacts, currency),
        alternatives=catalog_figures(session, catalog, start=start, end=end),
    )


def best_lessons(resolved: Sequence[Any], cases: dict[int, Any], limit: int) -> list[Lesson]:
    """The lessons most worth reading: happiest customers, best endings, something that worked, cheapest."""
    def merit(r: Any) -> tuple[int, int, int, Decimal, float]:
        return (r.satisfaction or 0, OUTCOME_RANK.get(Outcome(r.outcome), 0), 1 if r.lesson_worked else 0,
                -r.final_cost, r.resolved_at.timestamp())

    ranked = sorted(resolved, key=merit, reverse=True)[:limit]
    return [Lesson(ref=cases[r.case_id].ref or str(r.case_id), cause=cases[r.case_id].cause, outcome=r.outcome,
                   final_cost=r.final_cost, currency=r.currency, satisfaction=r.satisfaction,
                   what_caused_it=r.lesson_cause, what_worked=r.lesson_worked, what_should_change=r.lesson_change,
                   permalink=cases[r.case_id].permalink)
            for r in ranked]


def contact_times(session: Session, cases: Sequence[Any]) -> dict[int, datetime]:
    """When each case's customer was first told: drafting's "Mark as sent" and the reminders' "Customer
    told" set case.customer_contacted_at; ticking the playbook's contact step counts too, if earlier."""
    found = {c.id: c.customer_contacted_at for c in cases if c.customer_contacted_at is not None}
    for chunk in _chunks([c.id for c in cases]):
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


def case_rows(session: Session, cases: dict[int, Any], resolved: Sequence[Any], contacts: dict[int, datetime],
              currency: str) -> list[CaseRow]:
    """Every case opened or resolved in the period, oldest first."""
    ids = sorted(cases, key=lambda i: (cases[i].created_at, i))
    live = {r.case_id: r for r in resolved}
    for chunk in _chunks([i for i in ids if i not in live and cases[i].status != "open"]):
        live.update((r.case_id, r) for r in session.execute(
            select(*RESOLUTION_COLUMNS).where(Resolution.case_id.in_(chunk), Resolution.reopened_at.is_(None))))
    counts: dict[int, tuple[int, int]] = {}
    for chunk in _chunks(ids):
        for case_id, total, done in session.execute(
                select(ActionItem.case_id, func.count(), func.count(ActionItem.done_at))
                .where(ActionItem.case_id.in_(chunk)).group_by(ActionItem.case_id)):
            counts[case_id] = (int(total), int(total) - int(done))
    rows = []
    for case_id in ids:
        case, resolution, contacted = cases[case_id], live.get(case_id), contacts.get(case_id)
        total, still_open = counts.get(case_id, (0, 0))
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
            action_items=total, action_items_open=still_open,
        ))
    return rows


def cause_label(cause: str) -> str:
    return Cause(cause).label if cause in Cause._value2member_map_ else cause


def outcome_label(outcome: str) -> str:
    return Outcome(outcome).label if outcome in Outcome._value2member_map_ else outcome
