"""What a transaction changed, told to listeners once it has committed (domain code, no Slack).

Domain services note what they change (`note(session, case_id=..., users=...)`): recording a case event
does it for every area (bot.cases.service.record_event), with the event itself, so that what follows a
case event outside the database (post the case in Slack, refresh its message) runs from the events that
were saved. Reminders note a change when one is scheduled or sent. Listeners registered with
`after_commit(db, listener)` hear about it once the transaction commits, never for one that rolled back,
so a view refreshed from the database always shows what was saved.

Listeners run on the committing thread (inside SQLite's writer lock), so they must only queue work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from bot.db import Database

log = logging.getLogger(__name__)

_KEY = "amends.changes"
_LISTENERS = "_amends_change_listeners"  # on the Database


@dataclass(frozen=True)
class RecordedEvent:
    """A case event as saved (bot.cases.models.CaseEvent), as plain values that outlive the session."""

    case_id: int
    case_ref: str | None
    kind: str
    actor_id: str | None
    data: Mapping[str, Any]


@dataclass
class Changes:
    case_ids: set[int] = field(default_factory=set)
    user_ids: set[str] = field(default_factory=set)  # people the change concerns (e.g. the case's owners)
    events: list[RecordedEvent] = field(default_factory=list)  # in the order they were recorded

    def __bool__(self) -> bool:
        return bool(self.case_ids or self.user_ids or self.events)


Listener = Callable[[Changes], None]


def note(session: Session, *, case_id: int | None = None, users: Iterable[str | None] = (),
         event: RecordedEvent | None = None) -> None:
    """Remember that this transaction changed `case_id`, concerns `users` and recorded `event`."""
    changes = session.info.setdefault(_KEY, Changes())
    if case_id is not None:
        changes.case_ids.add(case_id)
    changes.user_ids.update(u for u in users if u)
    if event is not None:
        changes.events.append(event)


def after_commit(db: Database, listener: Listener) -> None:
    """Call `listener(changes)` after each committed transaction of `db` that noted any."""
    # One SQLAlchemy hook per database hands each commit's changes to all its listeners (a hook each would
    # have the first take them from the session before the others saw them).
    listeners: list[Listener] | None = getattr(db, _LISTENERS, None)
    if listeners is None:
        listeners = []
        setattr(db, _LISTENERS, listeners)
        _listen(db, listeners)
    listeners.append(listener)


def _listen(db: Database, listeners: list[Listener]) -> None:
    def committed(session: Session) -> None:
        changes = session.info.pop(_KEY, None)
        if not changes:
            return
        for listener in listeners:
            try:
                listener(changes)
            except Exception:  # noqa: BLE001 - the data is saved; a listener failing must not undo that
                log.exception("a change listener failed")

    def rolled_back(session: Session) -> None:
        session.info.pop(_KEY, None)

    event.listen(db.sessions, "after_commit", committed)
    event.listen(db.sessions, "after_rollback", rolled_back)
