"""Tables of the HTTP API: who may call it, which system event opened which case, and what is owed to
the team's webhooks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class ApiKey(Base):
    """A source's key. Only its SHA-256 is kept: the key is 32 random bytes, so a hash cannot be reversed
    by guessing and needs no slow KDF, and a stolen database opens nothing."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)  # public part, shown in lists and logs
    source: Mapped[str] = mapped_column(String(40), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExternalRef(Base):
    """The case a source's event opened: a retry of (source, external_id) finds it instead of a second case."""

    __tablename__ = "external_refs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    order_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("source", "external_id"),)


class OutboxState(StrEnum):
    PENDING = "pending"    # waiting for due_at
    SENDING = "sending"    # claimed by a sweep; claimable again once the lease has passed
    SENT = "sent"          # the receiver answered 2xx
    FAILED = "failed"      # gave up after max_attempts


class OutboxEvent(Base):
    """One case event owed to one webhook, written in the transaction that made the change."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40))  # one per case event; the receiver dedupes on it
    webhook: Mapped[str] = mapped_column(String(200))  # the webhook's url as configured
    kind: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_events_state_due", "state", "due_at"),
                      UniqueConstraint("webhook", "event_id"))
