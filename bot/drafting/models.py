"""Drafts saved on a case: what the associate chose to send, and whether it was sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class Draft(Base):
    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    template: Mapped[str] = mapped_column(String(60))  # e.g. first_notice
    channel: Mapped[str] = mapped_column(String(20))   # phone, email, sms
    subject: Mapped[str | None] = mapped_column(Text)  # email only
    body: Mapped[str] = mapped_column(Text)            # as saved, after the associate's edits
    edited: Mapped[bool] = mapped_column(default=False)
    hints: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # tone hints on the saved text
    author_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the copyable draft was posted (the case thread, or the author's DM when there is no thread).
    posted_channel: Mapped[str | None] = mapped_column(String(32))
    posted_ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(32))
    # The edited draft saved from this one: this copy's buttons are retired, so only one can be marked sent.
    replaced_by: Mapped[int | None] = mapped_column()
