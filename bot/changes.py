"""What a transaction changed, told to listeners once it has committed (domain code, no Slack).

Domain services note what they change (`note(session, case_id=..., users=...)`): recording a case event
does it for every area (bot.cases.service.record_event), reminders do it when one is scheduled or sent.
Listeners registered with `after_commit(db, listener)` hear about it once the transaction commits, never
for one that rolled back, so a view refreshed from the database always shows what was saved.

Listeners run on the committing thread (inside SQLite's writer lock), so they must only queue work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.db import Database

log = logging.getLogger(__name__)

_KEY = "amends.changes"


@dataclass
class Changes:
    case_ids: set[int] = field(default_factory=set)
    user_ids: set[str] = field(default_factory=set)  # people the change concerns (e.g. the case's owners)

    def __bool__(self) -> bool:
        return bool(self.case_ids or self.user_ids)


Listener = Callable[[Changes], None]


def note(session: Session, *, case_id: int | None = None, users: Iterable[str | None] = ()) -> None:
    """Remember that this transaction changed `case_id` and concerns `users`."""
    changes = session.info.setdefault(_KEY, Changes())
    if case_id is not None:
        changes.case_ids.add(case_id)
    changes.user_ids.update(u for u in users if u)


def after_commit(db: Database, listener: Listener) -> None:
    """Call `listener(changes)` after each committed transaction of `db` that noted any."""

    def committed(session: Session) -> None:
        changes = session.info.pop(_KEY, None)
        if changes:
            try:
                listener(changes)
            except Exception:  # noqa: BLE001 - the data is saved; a listener failing must not undo that
                log.exception("a change listener failed")

    def rolled_back(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(db.sessions, "after_commit", committed)
    event.listen(db.sessions, "after_rollback", rolled_back)
