"""What resolved cases say about each catalog entry: how often it was offered, how often the customer took
it, how satisfied they were afterwards and what it finally cost; and what that means for the ranking.

The record is kept as cases change (`on_case_changed`, a lifecycle reaction on resolve, reopen and a later
satisfaction score, declared in bot/bootstrap.py): one OfferOutcome row per resolved case and entry that reached the customer (an
approver's smaller amount leaves dearer alternatives out), taken when the customer's latest recorded
choice was it (for an incentive: they took an alternative or waited, keeping the order), with the live
resolution's satisfaction and the choice's final cost; and their sums by entry, cause and tier
(OfferTally), so the modal reads a few hundred rows however many cases were resolved.

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
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from bot.cases.lifecycle import LifecycleEvent
from bot.cases.models import Case, CaseStatus
from bot.offers.catalog import Catalog, Kind, Standing, Verdict
from bot.offers.models import CustomerChoice, Offer, OfferItem, OfferOutcome, OfferState, OfferTally
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


# ---------------------------------------------------------------------- keeping the record


def outcomes_of(session: Session, case: Case) -> list[dict[str, Any]]:
    """One row per catalog entry that reached the customer of a resolved case (none while it is open)."""
    if case.status != CaseStatus.RESOLVED:
        return []
    resolution = session.scalar(select(Resolution).where(Resolution.case_id == case.id,
                                                         Resolution.reopened_at.is_(None))
                                .order_by(Resolution.id.desc()).limit(1))
    if resolution is None:
        return []
    choice = session.scalar(select(CustomerChoice).where(CustomerChoice.case_id == case.id)
                            .order_by(CustomerChoice.id.desc()).limit(1))
    offers = session.scalars(select(Offer).where(Offer.case_id == case.id, Offer.state.in_(
        [OfferState.OFFERED, OfferState.SUPERSEDED])).options(selectinload(Offer.items))).all()
    found: dict[tuple[str, str], bool] = {}
    for offer in offers:
        reached = [*offer.offered_alternatives, *([offer.incentive] if offer.incentive else [])]
        for item in reached:
            if item.kind == Kind.ALTERNATIVE.value:
                taken = choice is not None and choice.item_id == item.id
            else:
                taken = choice is not None and choice.offer_id == offer.id and choice.choice in STAYED
            key = (item.kind, item.catalog_id)
            found[key] = found.get(key, False) or taken
    return [dict(case_id=case.id, kind=kind, catalog_id=entry_id, cause=case.cause, tier=case.customer_tier or "",
                 taken=taken, satisfaction=resolution.satisfaction if taken else None,
                 final_cost=choice.final_cost if taken and choice is not None else None,
                 resolved_at=resolution.resolved_at)
            for (kind, entry_id), taken in sorted(found.items())]


def on_case_changed(session: Session, event: LifecycleEvent) -> None:
    """A lifecycle reaction (bot/bootstrap.py: resolved, reopened, its resolution changed)."""
    record_outcomes(session, event.case)


def record_outcomes(session: Session, case: Case) -> None:
    """The case's outcome rows follow it (none while open), and the tallies take the difference."""
    old = [dict(case_id=o.case_id, kind=o.kind, catalog_id=o.catalog_id, cause=o.cause, tier=o.tier, taken=o.taken,
                satisfaction=o.satisfaction, final_cost=o.final_cost, resolved_at=o.resolved_at)
           for o in session.scalars(select(OfferOutcome).where(OfferOutcome.case_id == case.id))]
    new = outcomes_of(session, case)
    if old == new:
        return
    deltas: dict[tuple[str, str, str, str], list[Any]] = {}
    for rows, sign in ((old, -1), (new, 1)):
        for row in rows:
            d = deltas.setdefault((row["kind"], row["catalog_id"], row["cause"], row["tier"]),
                                  [0, 0, 0, 0, Decimal("0.00")])
            d[0] += sign
            d[1] += sign * row["taken"]
            d[2] += sign * (row["satisfaction"] or 0)
            d[3] += sign * (row["satisfaction"] is not None)
            d[4] += sign * (row["final_cost"] or Decimal("0.00"))
    session.execute(delete(OfferOutcome).where(OfferOutcome.case_id == case.id))
    if new:
        session.execute(insert(OfferOutcome), new)
    add_to_tallies(session, deltas)


def add_to_tallies(session: Session, deltas: Mapping[tuple[str, str, str, str], Sequence[Any]]) -> None:
    """Add (offered, taken, satisfaction sum, scored, cost sum) to each tally. Sorted, so concurrent writers
    lock rows in one order (no deadlock)."""
    rows = [dict(kind=k[0], catalog_id=k[1], cause=k[2], tier=k[3], offered=d[0], taken=d[1],
                 satisfaction_sum=d[2], scored=d[3], cost_sum=d[4])
            for k, d in sorted(deltas.items()) if any(d)]
    if not rows:
        return
    dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(OfferTally)
    keys = [OfferTally.kind, OfferTally.catalog_id, OfferTally.cause, OfferTally.tier]
    statement = statement.on_conflict_do_update(index_elements=keys, set_={
        name: getattr(OfferTally, name) + getattr(statement.excluded, name)
        for name in ("offered", "taken", "satisfaction_sum", "scored", "cost_sum")})
    session.execute(statement, rows)


def rebuild_tallies(session: Session) -> None:
    """The tallies summed afresh from every outcome row (after a bulk load; hooks keep them since)."""
    o = OfferOutcome
    session.execute(delete(OfferTally))
    session.execute(insert(OfferTally).from_select(
        ["kind", "catalog_id", "cause", "tier", "offered", "taken", "satisfaction_sum", "scored", "cost_sum"],
        select(o.kind, o.catalog_id, o.cause, o.tier, func.count(), func.sum(when((o.taken, 1), else_=0)),
               func.coalesce(func.sum(o.satisfaction), 0), func.count(o.satisfaction),
               func.coalesce(func.sum(o.final_cost), Decimal("0.00")))
        .group_by(o.kind, o.catalog_id, o.cause, o.tier)))


# ---------------------------------------------------------------------- reading the evidence


def weight(same_cause: bool, same_tier: bool, similar: bool) -> float:
    return BASE + SAME_CAUSE * same_cause + SAME_TIER * same_tier + SIMILAR * similar


def evidence(session: Session, case: Case, similar_ids: Collection[int] = ()
             ) -> dict[tuple[str, str], Evidence]:
    """Every entry's record over the resolved cases, weighted by how like `case` each one is: the tallies by
    cause and tier, and the similar cases' own rows once more for what being similar adds."""
    found: dict[tuple[str, str], Evidence] = {}
    tier = case.customer_tier or ""
    t = OfferTally  # plain rows, not ORM objects: the modal reads every tally
    for kind, entry_id, cause, t_tier, offered, taken, satisfaction, scored, cost in session.execute(
            select(t.kind, t.catalog_id, t.cause, t.tier, t.offered, t.taken, t.satisfaction_sum, t.scored,
                   t.cost_sum).where(t.offered > 0)):
        same_cause = cause == case.cause
        add(found.setdefault((kind, entry_id), Evidence()), weight(same_cause, t_tier == tier, False),
            offered, taken, satisfaction, scored, cost, plain=same_cause)
    if similar_ids:
        o = OfferOutcome
        for kind, entry_id, taken, satisfaction in session.execute(
                select(o.kind, o.catalog_id, o.taken, o.satisfaction).where(o.case_id.in_(list(similar_ids)))):
            add(found.setdefault((kind, entry_id), Evidence()), SIMILAR, 1, int(taken), satisfaction or 0,
                int(satisfaction is not None), Decimal("0.00"), plain=False)
    return found


def add(e: Evidence, w: float, offered: int, taken: int, satisfaction: int, scored: int, cost: Decimal, *,
        plain: bool) -> None:
    e.offered_w += w * offered
    e.taken_w += w * taken
    e.satisfaction_w += w * satisfaction
    e.scored_w += w * scored
    if plain:
        e.offered += offered
        e.taken += taken
        e.satisfaction_sum += satisfaction
        e.scored += scored
        e.cost_sum += cost


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
    o = OfferOutcome
    period = session.execute(
        select(o.kind, o.catalog_id, func.count(), func.sum(when((o.taken, 1), else_=0)), func.sum(o.satisfaction),
               func.count(o.satisfaction), func.sum(o.final_cost))
        .where(o.resolved_at >= start, o.resolved_at < end).group_by(o.kind, o.catalog_id)).all()
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
                            cost_per_taken=(cost / int(taken)).quantize(Decimal("0.01")) if taken and cost else None)
               for kind, entry_id, offered, taken, sat, scored, cost in period]
    entries.sort(key=lambda e: (e.kind != Kind.ALTERNATIVE.value, -e.offered, -e.taken, e.title))
    since = end - REVIEW_AFTER
    recent = session.execute(select(o.kind, o.catalog_id, func.max(when((o.taken, 1), else_=0)))
                             .where(o.resolved_at >= since, o.resolved_at < end)
                             .group_by(o.kind, o.catalog_id)).all()
    taken_ids = {(kind, entry_id) for kind, entry_id, taken in recent if taken}
    not_taken = [(kind, title) for (kind, entry_id), title in titles.items()
                 if (kind, entry_id) not in taken_ids and (catalog is None or catalog.entry(Kind(kind), entry_id))
                 ] if recent else []
    return CatalogFigures(entries, not_taken, since)
