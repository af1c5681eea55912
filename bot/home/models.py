"""Who has an App Home, and which page of each list they are looking at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class AppHome(Base):
    """A person who opened the Home tab. Their Home is refreshed when the data behind it changes (only theirs:
    nobody else has one to refresh), and the page of each list survives refreshes, restarts and replicas."""

    __tablename__ = "app_homes"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # The last rendering showed the team view (the person was a manager then): team changes refresh it.
    team: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    pages: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # list name -> offset
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last published view showed (blocks.home.content_digest): an unchanged refresh isn't published.
    digest: Mapped[str | None] = mapped_column(String(64))
