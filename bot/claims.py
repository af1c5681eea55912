"""Claiming due rows so that several replicas never take the same one: reminders and the API's outbox.

A claimable table has `id`, `state` ('pending' / 'sending'), `due_at`, `claimed_at`, `claim_token` and
`attempts`. One atomic UPDATE ... RETURNING takes the due rows, and the ones whose claim expired (a process
died mid-send), over rows picked with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers).
Every later step of the claimer checks its token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

PENDING, SENDING = "pending", "sending"


def claim_due(session: Session, model: Any, *, now: datetime, limit: int, lease: timedelta, token: str,
              **values: Any) -> list[int]:
    """Take up to `limit` rows of `model` for this claimer; `values` are set too (SET expressions see the
    row as it was, so `case((model.state == SENDING, ...))` tells a row interrupted mid-send)."""
    due = (select(model.id)
           .where(or_(and_(model.state == PENDING, model.due_at <= now),
                      and_(model.state == SENDING, model.claimed_at < now - lease)))
           .order_by(model.due_at, model.id)
           .limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(model).where(model.id.in_(due.scalar_subquery()))
        .values(state=SENDING, claim_token=token, claimed_at=now, attempts=model.attempts + 1, **values)
        .returning(model.id).execution_options(synchronize_session=False)).scalars().all()
    return sorted(claimed)
