"""A colleague's timezone, as their Slack profile gave it (users.info), cached so reminders never ask per send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class PersonZone(Base):
    __tablename__ = "person_zones"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The IANA name from the profile (`user.tz`); None when Slack gave none or one this machine doesn't know.
    tz: Mapped[str | None] = mapped_column(String(64))
    tz_label: Mapped[str | None] = mapped_column(String(100))
    tz_offset: Mapped[int | None] = mapped_column(Integer)  # seconds east of UTC when it was looked up
    fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last lookup that answered
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the last lookup, answered or not
    error: Mapped[str | None] = mapped_column(String(200))  # why the last lookup failed (the cached tz stays)
