"""Tables for cases and their append-only event log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, Money, UTCDateTime


class CaseStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class CaseEventKind(StrEnum):
    """The case's own entries in its event log (other areas log theirs, e.g. bot.playbooks.models.PlaybookEvent)."""

    OPENED = "opened"
    POSTED = "posted"                          # the case message is in the cases channel
    POST_FAILED = "post_failed"
    POST_CLAIMED = "post_claimed"              # a replica took the job of posting a case nobody posted
    CUSTOMER_CONTACTED = "customer_contacted"
    OWNER_CHANGED = "owner_changed"
    PROMISE_KIND_CHANGED = "promise_kind_changed"  # corrected: a service or a visit, not a delivery
    ACHIEVABLE_OVERRIDDEN = "achievable_overridden"  # the associate kept a new date earlier than achievable
    RESOLVED = "resolved"
    REOPENED = "reopened"
    PERSONAL_DATA_ERASED = "personal_data_erased"  # the customer's data erased (bot/privacy)
    EDITED = "edited"  # the new date, contact, timezone or tier changed after the intake (Edit case)


class Outcome(StrEnum):
    """How a case ended. The customer's choice is always theirs: wait, take an alternative, or cancel."""

    PROMISE_KEPT = "promise_kept"          # a way was found to keep the original promise after all
    CUSTOMER_WAITED = "customer_waited"    # the customer chose to wait for the original
    TOOK_ALTERNATIVE = "took_alternative"  # the customer took an alternative
    CANCELLED = "cancelled"                # the customer cancelled and was let go gracefully

    @property
    def label(self) -> str:
        return {"promise_kept": "Promise kept after all", "customer_waited": "Customer waited",
                "took_alternative": "Took an alternative", "cancelled": "Cancelled"}[self.value]


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.OPEN, index=True)
    severity: Mapped[str] = mapped_column(String(20))

    customer_name: Mapped[str] = mapped_column(Text)
    customer_contact: Mapped[str | None] = mapped_column(Text)
    customer_tier: Mapped[str | None] = mapped_column(String(40))
    # IANA zone the customer lives in, when it isn't the workspace's: dates in customer messages use it.
    customer_timezone: Mapped[str | None] = mapped_column(String(64))
    # The language customer messages are drafted in ("es"), when it isn't the workspace's.
    customer_language: Mapped[str | None] = mapped_column(String(16))
    order_ref: Mapped[str] = mapped_column(Text)
    promise: Mapped[str] = mapped_column(Text)
    promised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    new_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the item comes from (a country or supplier named in lead_times.yaml), when it matters.
    origin: Mapped[str | None] = mapped_column(String(40))
    # The date the team can really keep, buffer included, and where it comes from in words
    # (bot/cases/achievable.py); achievable_eta is the order system's ETA it was computed from, if any.
    achievable_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    achievable_source: Mapped[str | None] = mapped_column(Text)
    achievable_eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cause: Mapped[str] = mapped_column(String(40), index=True)
    # What exactly happened (bot.cases.causes.CauseDetail), when it changes what a message may say.
    cause_detail: Mapped[str | None] = mapped_column(String(40))
    # goods, service or visit (bot.cases.causes.PromiseKind): asked or inferred at intake, editable.
    promise_kind: Mapped[str] = mapped_column(String(20), default="goods", server_default="goods")
    order_value: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    notes: Mapped[str | None] = mapped_column(Text)

    owner_id: Mapped[str] = mapped_column(String(32))
    reporter_id: Mapped[str] = mapped_column(String(32))
    # The case message in the cases channel; its ts is the thread where everything else happens.
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    permalink: Mapped[str | None] = mapped_column(Text)

    # When the customer was first told (drafting's "Mark as sent"); reminders and reports rely on it.
    customer_contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(40))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the customer's personal data was erased (retention or a request): bot/privacy.
    personal_data_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: an UPDATE from a stale copy fails instead of overwriting a newer change.
    version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_owner_status", "owner_id", "status"),
        # The App Home's paged lists and counts (bench/app_home.py: 10,000 open cases).
        Index("ix_cases_status_severity", "status", "severity", "promised_at"),
        Index("ix_cases_status_contacted_promised", "status", "customer_contacted_at", "promised_at"),
        Index("ix_cases_created_cause", "created_at", "cause"),
        # Retention: resolved cases past the period whose personal data is still there.
        Index("ix_cases_status_resolved_erased", "status", "resolved_at", "personal_data_erased_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == CaseStatus.OPEN

    @property
    def has_thread(self) -> bool:
        return bool(self.channel_id and self.message_ts)


class CaseEvent(Base):
    """Who did what to a case, and when. Rows are only ever added."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[str | None] = mapped_column(String(32))  # None: Amends itself
    kind: Mapped[str] = mapped_column(String(60))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
