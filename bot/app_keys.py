"""Secret keys Amends makes for itself and keeps in the database, so every replica uses the same one.

A key is made (random, 256 bits) the first time it is asked for and never changes afterwards; two replicas
asking at once agree, because the second insert loses on the primary key and reads the first. Kept apart
from Slack's signing secret on purpose: someone who learns that secret (it is shown to every collaborator
of the Slack app) still can't forge what these keys seal (bot/slack/metadata.py).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, UTCDateTime

VIEW_METADATA = "view_metadata"  # seals the private_metadata of the modals Amends opens


class AppKey(Base):
    __tablename__ = "app_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # hex
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def shared_key(session: Session, name: str, *, now: datetime) -> bytes:
    """The key called `name`, made now if there is none yet."""
    found = session.scalar(select(AppKey.secret).where(AppKey.name == name))
    if found is None:
        try:
            with session.begin_nested():
                session.add(AppKey(name=name, secret=secrets.token_hex(32), created_at=now))
        except IntegrityError:  # another replica made it first: use theirs
            pass
        found = session.scalar(select(AppKey.secret).where(AppKey.name == name))
    assert found is not None
    return bytes.fromhex(found)
