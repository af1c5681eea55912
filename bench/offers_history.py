"""Resolved cases with an offer, the customer's choice and their satisfaction, written in bulk (SQL
inserts in batches, not the Slack flow): the history the offers' ranking learns from, for
bench/offers_rank.py and the tests of the ranking. Each row is what the flow leaves behind: a resolved
case, an offer as the catalog priced it, the customer's choice with its final cost, the resolution, and
the outcome rows and tallies the case hooks keep (tests/test_offers_learning.py checks they agree)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.cases.models import Case, CaseStatus
from bot.offers.catalog import Catalog, Kind
from bot.offers.learning import rebuild_tallies
from bot.offers.models import CustomerChoice, Offer, OfferItem, OfferOutcome, OfferState
from bot.tracking.models import Resolution

ORDER_VALUE = Decimal("2400.00")
BATCH = 2000


@dataclass(frozen=True)
class PastCase:
    cause: str
    tier: str | None
    alternatives: tuple[str, ...]   # catalog ids, as offered
    incentive: str
    took: str | None                # a catalog id of one of the alternatives, "wait", "cancel", or None (no choice)
    satisfaction: int | None
    resolved_at: datetime
    promise: str = "12 office chairs"


def _batches(rows: Iterable[PastCase]) -> Iterator[list[PastCase]]:
    it = iter(rows)
    while batch := list(islice(it, BATCH)):
        yield batch


def seed(session: Session, catalog: Catalog, rows: Iterable[PastCase], *, ref_prefix: str = "PAST") -> int:
    """Insert the past cases; returns how many. Ids continue after the highest in each table."""
    def next_id(column: object) -> int:
        return int(session.scalar(select(func.coalesce(func.max(column), 0))) or 0) + 1  # type: ignore[arg-type]

    case_id, offer_id, item_id = next_id(Case.id), next_id(Offer.id), next_id(OfferItem.id)
    choice_id, resolution_id = next_id(CustomerChoice.id), next_id(Resolution.id)
    count = 0
    for batch in _batches(rows):
        case_rows, offer_rows, item_rows, choice_rows, resolution_rows, outcome_rows = [], [], [], [], [], []
        for past in batch:
            opened = past.resolved_at - timedelta(days=3)
            case_rows.append(dict(
                id=case_id, ref=f"{ref_prefix}-{case_id}", status=CaseStatus.RESOLVED.value, severity="high",
                customer_name=f"Customer {case_id}", customer_tier=past.tier, order_ref=f"SO-{case_id}",
                promise=past.promise, promised_at=opened + timedelta(days=1), cause=past.cause,
                order_value=ORDER_VALUE, currency="GBP", owner_id="U0ASSOC01", reporter_id="U0ASSOC01",
                created_at=opened, updated_at=past.resolved_at, resolved_at=past.resolved_at,
                outcome="took_alternative" if past.took not in (None, "wait", "cancel") else (
                    "cancelled" if past.took == "cancel" else "customer_waited"), version=1))
            items = [(Kind.ALTERNATIVE, catalog.entry(Kind.ALTERNATIVE, a)) for a in past.alternatives]
            items.append((Kind.INCENTIVE, catalog.entry(Kind.INCENTIVE, past.incentive)))
            taken_item = None
            incentive_cost = Decimal("0.00")
            dearest = Decimal("0.00")
            for position, (kind, entry) in enumerate(items):
                assert entry is not None, past
                cost = entry.cost.of(ORDER_VALUE)
                assert cost is not None
                if kind is Kind.INCENTIVE:
                    incentive_cost = cost
                else:
                    dearest = max(dearest, cost)
                if entry.id == past.took:
                    taken_item = (item_id, cost)
                item_rows.append(dict(id=item_id, offer_id=offer_id, position=position, kind=kind.value,
                                      catalog_id=entry.id, title=entry.title, say=entry.customer_text, cost=cost,
                                      value=entry.value.of(ORDER_VALUE)))
                item_id += 1
            offer_rows.append(dict(
                id=offer_id, case_id=case_id, state=OfferState.OFFERED.value, made_by="U0ASSOC01", made_at=opened,
                role="associate", currency="GBP", exposure=dearest + incentive_cost, budget=Decimal("225.00"),
                budget_reasons=[], approval_reasons=[], approvers=[], messages=[]))
            if past.took is not None:
                cost = taken_item[1] + incentive_cost if taken_item else (
                    incentive_cost if past.took == "wait" else Decimal("30.00"))
                choice_rows.append(dict(
                    id=choice_id, case_id=case_id, choice="alternative" if taken_item else past.took,
                    offer_id=offer_id, item_id=taken_item[0] if taken_item else None,
                    gesture="A voucher" if past.took == "cancel" else None, final_cost=cost,
                    budget=Decimal("225.00"), currency="GBP", recorded_by="U0ASSOC01",
                    recorded_at=past.resolved_at - timedelta(hours=1)))
                choice_id += 1
            resolution_rows.append(dict(
                id=resolution_id, case_id=case_id, resolved_at=past.resolved_at, resolved_by="U0ASSOC01",
                outcome=case_rows[-1]["outcome"], final_cost=choice_rows[-1]["final_cost"] if past.took else
                Decimal("0.00"), currency="GBP", lesson_cause="Seeded", satisfaction=past.satisfaction,
                satisfaction_at=past.resolved_at if past.satisfaction else None))
            # What bot.offers.learning.record_outcomes keeps for the case (one offer, all of it offered).
            stayed = past.took not in (None, "cancel")
            for kind, entry in items:
                taken = entry.id == past.took if kind is Kind.ALTERNATIVE else stayed
                outcome_rows.append(dict(
                    case_id=case_id, kind=kind.value, catalog_id=entry.id, cause=past.cause, tier=past.tier or "",
                    taken=taken, satisfaction=past.satisfaction if taken else None,
                    final_cost=choice_rows[-1]["final_cost"] if taken else None, resolved_at=past.resolved_at))
            resolution_id += 1
            offer_id += 1
            case_id += 1
            count += 1
        for model, values in ((Case, case_rows), (Offer, offer_rows), (OfferItem, item_rows),
                              (CustomerChoice, choice_rows), (Resolution, resolution_rows),
                              (OfferOutcome, outcome_rows)):
            if values:
                session.execute(insert(model), values)
    if count and session.get_bind().dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for model in (Case, Offer, OfferItem, CustomerChoice, Resolution):
            session.execute(select(func.setval(func.pg_get_serial_sequence(model.__tablename__, "id"),
                                               select(func.max(model.id)).scalar_subquery())))
    rebuild_tallies(session)
    return count
