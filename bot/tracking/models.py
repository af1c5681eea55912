"""Tables for how each case ended (cost, satisfaction, the lesson) and the action items it left behind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, Money, UTCDateTime


class Resolution(Base):
    """One resolution of a case. A reopened case keeps its old rows (reopened_at set); the live one is
    the newest row whose reopened_at is empty."""

    __tablename__ = "case_resolutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved_by: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(40))
    # What the recovery cost in the end (compensation, express shipping, a competitor's item...).
    final_cost: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # The lesson: what caused it, what worked, what should change.
    lesson_cause: Mapped[str] = mapped_column(Text)
    lesson_worked: Mapped[str | None] = mapped_column(Text)
    lesson_change: Mapped[str | None] = mapped_column(Text)
    # The customer's satisfaction, when known: at resolution or later, from the follow-up.
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    satisfaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction_by: Mapped[str | None] = mapped_column(String(32))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_live(self) -> bool:
        return self.reopened_at is None


class ActionItem(Base):
    """Something that should change so it doesn't happen again, with an owner and a due date."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    resolution_id: Mapped[int | None] = mapped_column(ForeignKey("case_resolutions.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[str] = mapped_column(String(32))
    due_on: Mapped[date] = mapped_column(Date)
    # The end of the due day in the workspace's timezone: from then on the item is overdue.
    overdue_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_action_items_open", "done_at", "overdue_at"),
                      Index("ix_action_items_owner", "owner_id", "done_at"))

    @property
    def is_done(self) -> bool:
        return self.done_at is not None
