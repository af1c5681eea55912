"""An interaction is applied once, however many times its request arrives.

A replayed or retried request (the same signed bytes within Slack's five minutes, a double submit over a
slow network) carries the same key: a view's id and hash, a click's timestamp. The first transaction of an
interaction that writes anything also inserts its key, so that transaction and the key commit together: a
second run of the same interaction fails on the key's uniqueness and rolls back whatever it did, even when
both run at once on two replicas. The answer first given is kept for a while in this process's memory (it
holds what the person typed, the customer's name: never written down), so a replay that reaches the same
process is answered the same way, and one that reaches another gets an empty answer (see bot/slack/surface.py).

    with replays.applying(key):           # around the handler (and its follow-up, on another thread)
        with db.transaction() as session: # the first one that writes claims the key, or raises AlreadyApplied
            ...
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import String, delete, event, exc, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.db import Base, Database, UTCDateTime, wrote

log = logging.getLogger(__name__)

# Kept long enough for any retry or replay: Slack's signatures are good for five minutes.
KEEP = timedelta(days=1)
ANSWERS_KEPT_FOR = 10 * 60.0  # seconds
ANSWERS_KEPT = 1000


class AppliedInteraction(Base):
    __tablename__ = "applied_interactions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # On PostgreSQL a deferred trigger refuses the COMMIT once the server's clock is past this (migration
    # 0012): a COMMIT held up in the network past the person's answer ("nothing was saved") must not land.
    commit_by: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlreadyApplied(Exception):
    """This interaction's changes were committed once already; this run's were rolled back."""


@dataclass
class Interaction:
    key: str
    claimed: bool = False


_current: ContextVar[Interaction | None] = ContextVar("amends_interaction", default=None)


def key_of(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()


@contextmanager
def applying(interaction: Interaction) -> Iterator[Interaction]:
    """Transactions in this block (on this thread) belong to `interaction`."""
    token = _current.set(interaction)
    try:
        yield interaction
    finally:
        _current.reset(token)


def applied(db: Database, key: str) -> bool:
    with db.reading() as session:
        return session.execute(select(AppliedInteraction.key).where(AppliedInteraction.key == key)).first() is not None


class Answers:
    """The answers given lately, by interaction key: few, short-lived, in memory only."""

    def __init__(self, keep: float = ANSWERS_KEPT_FOR, most: int = ANSWERS_KEPT) -> None:
        self.keep = keep
        self.most = most
        self._answers: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def keep_answer(self, key: str, answer: str) -> None:
        with self._lock:
            self._answers[key] = (time.monotonic() + self.keep, answer)
            while len(self._answers) > self.most:
                self._answers.popitem(last=False)

    def answer_of(self, key: str) -> str | None:
        with self._lock:
            kept = self._answers.get(key)
        return kept[1] if kept and kept[0] > time.monotonic() else None


def forget_old(db: Database, now: datetime) -> int:
    with db.transaction() as session:
        return session.execute(delete(AppliedInteraction).where(AppliedInteraction.applied_at < now - KEEP)).rowcount


def install(db: Database) -> None:
    """Make `db`'s transactions claim the current interaction's key when they write (before the database's
    own last check before COMMIT, so the key is covered by it)."""
    event.listen(db.sessions, "before_commit", _claim, insert=True)
    event.listen(db.sessions, "after_commit", _claimed)


def _claim(session: Session) -> None:
    interaction = _current.get()
    if interaction is None or interaction.claimed:
        return
    if not wrote(session):
        return  # read only (a submission answered with field errors may come again, corrected)
    session.add(AppliedInteraction(key=interaction.key, applied_at=datetime.now(UTC),
                                   commit_by=session.info.get("deadline")))
    try:
        session.flush()
    except exc.IntegrityError:
        log.info("interaction %s was applied already; this run's changes are rolled back", interaction.key[:12])
        raise AlreadyApplied() from None
    session.info["claiming"] = interaction


def _claimed(session: Session) -> None:
    interaction = session.info.pop("claiming", None)
    session.info.pop("wrote", None)
    if interaction is not None:
        interaction.claimed = True
