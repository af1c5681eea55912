"""Offers made to customers (with their alternatives and incentive), approval decisions, and the
customer's choice. Amounts are Money (Decimal, stored as integer cents) in the case's currency."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, Money, UTCDateTime


class OfferState(StrEnum):
    OFFERED = "offered"                    # recorded as offered to the customer (within limits, or approved)
    AWAITING_APPROVAL = "awaiting_approval"
    DENIED = "denied"                      # an approver said no; nothing was offered
    SUPERSEDED = "superseded"              # a later offer on the same case replaced it


class Decision(StrEnum):
    APPROVED = "approved"
    DENIED = "denied"
    APPROVED_DIFFERENT = "approved_different"  # approved, up to another amount

    @property
    def label(self) -> str:
        return {"approved": "Approved", "denied": "Denied",
                "approved_different": "Approved a different amount"}[self.value]


class Offer(Base):
    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    made_by: Mapped[str] = mapped_column(String(32))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    role: Mapped[str] = mapped_column(String(20))         # the maker's role, for the limits that applied
    currency: Mapped[str] = mapped_column(String(3))
    # What it may cost: the dearest alternative (the customer takes one) plus the incentive.
    exposure: Mapped[Decimal] = mapped_column(Money)
    budget: Mapped[Decimal] = mapped_column(Money)         # the case's budget when the offer was made
    budget_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)         # the maker's word to the approvers
    # Approval, when the offer went beyond the maker's limits or the budget.
    approval_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    approvers: Mapped[list[str]] = mapped_column(JSON, default=list)  # who was asked (user ids)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(30))
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_amount: Mapped[Decimal | None] = mapped_column(Money)
    decision_note: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every Slack message showing the request ([{"channel": ..., "ts": ...}]), updated once it is decided.
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The note in the case thread saying what was offered, so a newer offer can mark it replaced.
    note_channel: Mapped[str | None] = mapped_column(String(32))
    note_ts: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_offers_made_at", "made_at"),)

    items: Mapped[list[OfferItem]] = relationship(back_populates="offer", order_by="OfferItem.position",
                                                  cascade="all, delete-orphan", passive_deletes=True)

    @property
    def alternatives(self) -> list[OfferItem]:
        return [i for i in self.items if i.kind == "alternative"]

    @property
    def incentive(self) -> OfferItem | None:
        return next((i for i in self.items if i.kind == "incentive"), None)

    @property
    def allowed(self) -> Decimal:
        """What may be spent on it: the approved amount when an approver set one, else its exposure."""
        return self.approved_amount if self.approved_amount is not None else self.exposure

    @property
    def offered_alternatives(self) -> list[OfferItem]:
        """The alternatives the customer may take: those that, with the incentive, fit in what was allowed.
        An approver who allowed less than was asked leaves the dearer ones out."""
        return [i for i in self.alternatives if fits(i, self.incentive, self.allowed)]

    @property
    def left_out(self) -> list[OfferItem]:
        """Alternatives asked for but over the approved amount: never offered, never drafted."""
        return [i for i in self.alternatives if not fits(i, self.incentive, self.allowed)]

    @property
    def offered_cost(self) -> Decimal:
        """What the offer may cost as allowed: the dearest alternative still offered, plus the incentive."""
        extra = self.incentive.cost if self.incentive else Decimal("0.00")
        return max((i.cost for i in self.offered_alternatives), default=Decimal("0.00")) + extra


def fits(item: OfferItem, incentive: OfferItem | None, allowed: Decimal) -> bool:
    """Whether taking `item` (with the incentive, which goes with any choice) stays within `allowed`."""
    return item.cost + (incentive.cost if incentive else Decimal("0.00")) <= allowed


class OfferItem(Base):
    """One alternative or the incentive of an offer, as the catalog priced it for this case."""

    __tablename__ = "offer_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(20))          # alternative or incentive
    catalog_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(Text)               # as the associate saw it
    say: Mapped[str] = mapped_column(Text)                 # as a message to the customer says it
    cost: Mapped[Decimal] = mapped_column(Money)
    value: Mapped[Decimal] = mapped_column(Money)

    offer: Mapped[Offer] = relationship(back_populates="items")


class CustomerChoice(Base):
    """What the customer decided. Rows are only added; the latest one is the customer's choice."""

    __tablename__ = "customer_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(String(20))        # wait, alternative, cancel (bot.drafting.context.Choice)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offers.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("offer_items.id", ondelete="SET NULL"))
    gesture: Mapped[str | None] = mapped_column(Text)      # the goodwill gesture when they cancelled
    final_cost: Mapped[Decimal] = mapped_column(Money)
    budget: Mapped[Decimal] = mapped_column(Money)         # the case's budget when it was recorded
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_customer_choices_recorded_at", "recorded_at"),)


class OfferOutcome(Base):
    """How one catalog entry did on one resolved case: offered (a row), taken, the satisfaction and final cost
    that followed. Kept by bot/offers/learning.py as cases are resolved, reopened or scored; the ranking
    reads their sums (OfferTally), the report reads the rows of a period."""

    __tablename__ = "offer_outcomes"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    catalog_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cause: Mapped[str] = mapped_column(String(40))
    tier: Mapped[str] = mapped_column(String(40))       # "" when the case had none
    taken: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # when taken and scored
    final_cost: Mapped[Decimal | None] = mapped_column(Money)  # when taken
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OfferTally(Base):
    """The sums of OfferOutcome by entry, cause and tier: what the offer modal's ranking reads (a few hundred
    rows however many cases were resolved). Changed only by adding deltas, so concurrent writers never
    overwrite each other."""

    __tablename__ = "offer_tallies"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    catalog_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cause: Mapped[str] = mapped_column(String(40), primary_key=True)
    tier: Mapped[str] = mapped_column(String(40), primary_key=True)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    taken: Mapped[int] = mapped_column(Integer, default=0)
    satisfaction_sum: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    cost_sum: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
