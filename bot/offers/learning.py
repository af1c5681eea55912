"""What resolved cases say about each catalog entry: how often it was offered, how often the customer took
it, how satisfied they were afterwards and what it finally cost; and what that means for the ranking.

Evidence (`evidence`) is read in SQL, one row per (case, entry): an entry counts as offered on a case when
an offer that reached the customer held it (an approver's smaller amount leaves dearer alternatives
out: bot.offers.models.fits, said again in SQL below), as taken when the customer's latest recorded
choice was it (for an incentive: they took an alternative or waited, keeping the order), with the
live resolution's satisfaction and the choice's final cost.

Similar cases count more (`weight`): the same cause most, then the same customer tier, then the cases
the best-practices search finds similar; every other resolved case a little. Weights never pass 1, so a
case is never worth more than one observation.

The verdict (`judge`) uses a Beta prior around the take rate of all entries of the kind (PRIOR_STRENGTH
pseudo-offers) and the Wilson bound of the result: an entry is ranked up only when even its lower bound
beats the common rate (and its customers were at least as satisfied), down only when even its upper
bound falls short. Two lucky cases never move an entry; twenty clear ones do.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, and_, func, literal, literal_column, or_, select, type_coerce
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased

from bot.cases.models import Case, CaseStatus
from bot.offers.catalog import Catalog, Kind, Standing, Verdict
from bot.offers.models import CustomerChoice, Offer, OfferItem, OfferState
from bot.tracking.models import Resolution

# Weights of a resolved case, by how like the case at hand it is (they add up to at most 1).
BASE, SAME_CAUSE, SAME_TIER, SIMILAR = 0.1, 0.6, 0.2, 0.1
PRIOR_STRENGTH = 10       # pseudo-offers at the common take rate every entry starts from
SATISFACTION_STRENGTH = 5  # pseudo-scores at the common satisfaction
Z = 1.96                  # Wilson bound: 95%
STAYED = ("alternative", "wait")  # choices that keep the customer (an incentive was "taken")


@dataclass
class Evidence:
    """One entry's record: weighted for the ranking, and plain counts of the most similar cases for people."""

    offered_w: float = 0.0
    taken_w: float = 0.0
    satisfaction_w: float = 0.0     # sum of weight x score, where taken and scored
    scored_w: float = 0.0
    offered: int = 0                # plain counts among the cases of the same cause
    taken: int = 0
    satisfaction_sum: int = 0
    scored: int = 0
    cost_sum: Decimal = field(default_factory=lambda: Decimal("0.00"))


# ---------------------------------------------------------------------- reading the evidence


def case_entries(*, since: datetime | None = None, until: datetime | None = None) -> Select[Any]:
    """One row per resolved case and catalog entry offered on it: case_id, cause, tier, kind, catalog_id,
    taken (0/1), satisfaction (when taken and scored), final_cost (when taken), resolved_at."""
    incentive = aliased(OfferItem)
    nothing = type_coerce(literal_column("0"), OfferItem.cost.type)  # cents; a literal, not a bound Decimal
    latest = (select(func.max(CustomerChoice.id)).where(CustomerChoice.case_id == Case.id)
              .correlate(Case).scalar_subquery())
    taken = when(
        (and_(OfferItem.kind == Kind.ALTERNATIVE.value, CustomerChoice.item_id == OfferItem.id), 1),
        (and_(OfferItem.kind == Kind.INCENTIVE.value, CustomerChoice.offer_id == Offer.id,
              CustomerChoice.choice.in_(STAYED)), 1),
        else_=0)
    # bot.offers.models.fits: an alternative is offered when, with the incentive, it fits what was allowed.
    reached = or_(OfferItem.kind == Kind.INCENTIVE.value,
                  OfferItem.cost + func.coalesce(incentive.cost, nothing)
                  <= func.coalesce(Offer.approved_amount, Offer.exposure))
    query = (
        select(Case.id.label("case_id"), Case.cause.label("cause"), Case.customer_tier.label("tier"),
               OfferItem.kind.label("kind"), OfferItem.catalog_id.label("catalog_id"),
               func.max(taken).label("taken"),
               func.max(when((taken == 1, Resolution.satisfaction))).label("satisfaction"),
               func.max(when((taken == 1, CustomerChoice.final_cost))).label("final_cost"),
               func.max(Resolution.resolved_at).label("resolved_at"))
        .select_from(Case)
        .join(Offer, Offer.case_id == Case.id)
        .join(OfferItem, OfferItem.offer_id == Offer.id)
        .outerjoin(incentive, and_(incentive.offer_id == Offer.id, incentive.kind == Kind.INCENTIVE.value))
        .outerjoin(CustomerChoice, CustomerChoice.id == latest)
        .join(Resolution, and_(Resolution.case_id == Case.id, Resolution.reopened_at.is_(None)))
        .where(Case.status == CaseStatus.RESOLVED, Offer.state.in_([OfferState.OFFERED, OfferState.SUPERSEDED]),
               reached)
        .group_by(Case.id, Case.cause, Case.customer_tier, OfferItem.kind, OfferItem.catalog_id))
    if since is not None:
        query = query.where(Resolution.resolved_at >= since)
    if until is not None:
        query = query.where(Resolution.resolved_at < until)
    return query


def weight(same_cause: bool, same_tier: bool, similar: bool) -> float:
    return BASE + SAME_CAUSE * same_cause + SAME_TIER * same_tier + SIMILAR * similar


def evidence(session: Session, case: Case, similar_ids: Collection[int] = ()
             ) -> dict[tuple[str, str], Evidence]:
    """Every entry's record over the resolved cases, weighted by how like `case` each one is."""
    rows = case_entries().subquery()
    same_cause = rows.c.cause == case.cause
    same_tier = rows.c.tier == case.customer_tier if case.customer_tier else literal(False)
    similar = rows.c.case_id.in_(list(similar_ids)) if similar_ids else literal(False)
    # The flags are columns of their own, so the grouping names them (PostgreSQL would not match a CASE
    # with parameters in SELECT to the same CASE in GROUP BY).
    flagged = select(rows, when((same_cause, 1), else_=0).label("c"), when((same_tier, 1), else_=0).label("t"),
                     when((similar, 1), else_=0).label("s")).where(rows.c.case_id != case.id).subquery()
    f = flagged.c
    grouped = (select(f.kind, f.catalog_id, f.c, f.t, f.s, func.count().label("offered"), func.sum(f.taken),
                      func.sum(f.satisfaction), func.count(f.satisfaction), func.sum(f.final_cost))
               .group_by(f.kind, f.catalog_id, f.c, f.t, f.s))
    found: dict[tuple[str, str], Evidence] = {}
    for kind, catalog_id, c, t, s, offered, taken, sat, scored, cost in session.execute(grouped):
        w = weight(bool(c), bool(t), bool(s))
        e = found.setdefault((kind, catalog_id), Evidence())
        taken, sat = int(taken or 0), int(sat or 0)
        e.offered_w += w * offered
        e.taken_w += w * taken
        e.satisfaction_w += w * sat
        e.scored_w += w * scored
        if c:
            e.offered += offered
            e.taken += taken
            e.satisfaction_sum += sat
            e.scored += scored
            e.cost_sum += _money(cost)
    return found


def _money(value: Decimal | None) -> Decimal:
    return value if value is not None else Decimal("0.00")


# ---------------------------------------------------------------------- what it means


def wilson(successes: float, trials: float, z: float = Z) -> tuple[float, float]:
    """The Wilson score interval of a rate (successes and trials may be weighted)."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = p + z * z / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return max(0.0, (centre - margin) / denominator), min(1.0, (centre + margin) / denominator)


def judge(records: Mapping[str, Evidence]) -> dict[str, Verdict]:
    """A verdict for each entry of one kind, against the common take rate and satisfaction of that kind."""
    offered = sum(e.offered_w for e in records.values())
    if not offered:
        return {}
    common_rate = sum(e.taken_w for e in records.values()) / offered
    scored = sum(e.scored_w for e in records.values())
    common_satisfaction = sum(e.satisfaction_w for e in records.values()) / scored if scored else 3.0
    verdicts = {}
    for entry_id, e in records.items():
        # Beta prior: PRIOR_STRENGTH offers at the common rate, then the Wilson bounds of the result.
        taken, trials = e.taken_w + PRIOR_STRENGTH * common_rate, e.offered_w + PRIOR_STRENGTH
        low, high = wilson(taken, trials)
        satisfaction = ((e.satisfaction_w + SATISFACTION_STRENGTH * common_satisfaction)
                        / (e.scored_w + SATISFACTION_STRENGTH))
        if low > common_rate and satisfaction >= common_satisfaction:
            standing = Standing.UP
        elif high < common_rate:
            standing = Standing.DOWN
        else:
            standing = Standing.NEUTRAL
        verdicts[entry_id] = Verdict(standing, low * satisfaction / 5, reason(e, standing))
    return verdicts


def reason(e: Evidence, standing: Standing) -> str | None:
    """What the associate reads: plain counts among cases of the same cause."""
    if not e.offered:
        return None
    said = f"taken by {e.taken} of {e.offered} similar customer{'s' if e.offered != 1 else ''}"
    if e.scored:
        said += f", satisfaction {e.satisfaction_sum / e.scored:.1f}"
    if standing is Standing.NEUTRAL and e.offered < PRIOR_STRENGTH:
        said += " (too few cases to rank by yet)"
    return said


def learned(session: Session, case: Case, similar_ids: Collection[int] = ()) -> dict[Kind, dict[str, Verdict]]:
    """The verdicts for a case's modal, by kind and catalog id."""
    records = evidence(session, case, similar_ids)
    by_kind: dict[Kind, dict[str, Evidence]] = {Kind.ALTERNATIVE: {}, Kind.INCENTIVE: {}}
    for (kind, entry_id), e in records.items():
        if kind in by_kind:
            by_kind[Kind(kind)][entry_id] = e
    return {kind: judge(found) for kind, found in by_kind.items()}


# ---------------------------------------------------------------------- for the report and the digest

REVIEW_AFTER = timedelta(days=90)


@dataclass(frozen=True)
class EntryFigures:
    """One catalog entry over the cases resolved in a period."""

    kind: str
    catalog_id: str
    title: str
    offered: int
    taken: int
    satisfaction_average: float | None   # of the customers who took it
    satisfaction_count: int
    cost_per_taken: Decimal | None       # the final cost of the cases where it was taken, per case

    @property
    def take_rate(self) -> float:
        return self.taken / self.offered if self.offered else 0.0


@dataclass(frozen=True)
class CatalogFigures:
    entries: list[EntryFigures]           # offered in the period, most offered first
    not_taken: list[tuple[str, str]]      # (kind, title) of catalog entries nobody took in the REVIEW_AFTER before the end
    reviewed_since: datetime


def catalog_figures(session: Session, catalog: Catalog | None, *, start: datetime, end: datetime) -> CatalogFigures:
    """Offered, taken, satisfaction and cost per taken for each entry over the cases resolved in [start, end);
    and the entries of `catalog` nobody took in the REVIEW_AFTER up to `end` (none flagged when no case with
    an offer was resolved then: no evidence is not a verdict)."""
    rows = case_entries(since=start, until=end).subquery()
    period = session.execute(
        select(rows.c.kind, rows.c.catalog_id, func.count(), func.sum(rows.c.taken), func.sum(rows.c.satisfaction),
               func.count(rows.c.satisfaction), func.sum(rows.c.final_cost))
        .group_by(rows.c.kind, rows.c.catalog_id)).all()
    titles = {(k.value, e.id): e.title for k, entries in ((Kind.ALTERNATIVE, catalog.alternatives),
                                                          (Kind.INCENTIVE, catalog.incentives))
              for e in entries} if catalog else {}
    retired = [entry_id for kind, entry_id, *_ in period if (kind, entry_id) not in titles]
    if retired:  # entries since retired keep the title they were offered with
        titles.update({(kind, entry_id): title for kind, entry_id, title in session.execute(
            select(OfferItem.kind, OfferItem.catalog_id, func.max(OfferItem.title))
            .where(OfferItem.catalog_id.in_(retired)).group_by(OfferItem.kind, OfferItem.catalog_id))})
    entries = [EntryFigures(kind=kind, catalog_id=entry_id, title=titles.get((kind, entry_id), entry_id),
                            offered=int(offered), taken=int(taken or 0),
                            satisfaction_average=round(int(sat) / scored, 2) if scored else None,
                            satisfaction_count=int(scored),
                            cost_per_taken=(_money(cost) / int(taken)).quantize(Decimal("0.01")) if taken else None)
               for kind, entry_id, offered, taken, sat, scored, cost in period]
    entries.sort(key=lambda e: (e.kind != Kind.ALTERNATIVE.value, -e.offered, -e.taken, e.title))
    since = end - REVIEW_AFTER
    window = case_entries(since=since, until=end).subquery()
    recent = session.execute(select(window.c.kind, window.c.catalog_id, func.sum(window.c.taken))
                             .group_by(window.c.kind, window.c.catalog_id)).all()
    taken_ids = {(kind, entry_id) for kind, entry_id, taken in recent if taken}
    not_taken = [(kind, title) for (kind, entry_id), title in titles.items()
                 if (kind, entry_id) not in taken_ids and (catalog is None or catalog.entry(Kind(kind), entry_id))
                 ] if recent else []
    return CatalogFigures(entries, not_taken, since)
