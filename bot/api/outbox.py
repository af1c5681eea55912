"""The transactional outbox: case events owed to the team's webhooks, written in the transaction that
made the change, then claimed and settled like reminders (bot/claims.py).

* Written with the change: `capture(db, config)` listens to the session. Every case event is recorded
  through bot.cases.service.record_event, whatever the entry point (Slack, the API, the CLI), so the
  listener sees them all; at commit it adds one row per event and interested webhook. A rollback drops
  both.
* Claimed by one replica: `claim_due` is one UPDATE ... RETURNING over rows picked with FOR UPDATE SKIP
  LOCKED on PostgreSQL (SQLite has one writer), as reminders are (bot/claims.py). Each later step checks
  the claim token.
* At least once: a process killed mid-send leaves rows `sending`; after `claim_lease` another sweep takes
  them again. The receiver dedupes on the event id, which never changes between attempts.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot import claims
from bot.api.config import ApiConfig
from bot.api.models import ExternalRef, OutboxEvent, OutboxState
from bot.cases.models import Case, CaseEvent
from bot.db import Database

# Case event kinds -> what the webhook receives. "resolved" itself is left out: the resolution record
# (final cost, lesson) is written in the same transaction and says more.
OUTBOUND = {
    "opened": "case.opened",
    "customer_contacted": "case.customer_told",
    "choice_recorded": "case.choice_recorded",
    "approval_decided": "case.offer_decided",
    "resolution_recorded": "case.resolved",
    "reopened": "case.reopened",
    "date_changed": "case.date_changed",
    "delivered": "case.delivered",
    "cancelled_upstream": "case.cancelled_upstream",
}
_SEEN = "amends.outbox.events"
BACKOFF_START = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)


def capture(db: Database, config: ApiConfig) -> None:
    """Write outbox rows for every case event committed through `db` (nothing when no webhook is set)."""
    if not config.webhooks:
        return

    def flushed(session: Session, _context: Any) -> None:
        # session.new still lists what this flush inserted.
        session.info.setdefault(_SEEN, []).extend(o for o in session.new if isinstance(o, CaseEvent))

    def committing(session: Session) -> None:
        seen = session.info.pop(_SEEN, []) + [o for o in session.new if isinstance(o, CaseEvent)]
        wanted = [e for e in seen if e.kind in OUTBOUND]
        if wanted:
            enqueue(session, wanted, config)

    def forget(session: Session, *_: Any) -> None:
        session.info.pop(_SEEN, None)

    event.listen(db.sessions, "after_flush", flushed)
    event.listen(db.sessions, "before_commit", committing)
    event.listen(db.sessions, "after_soft_rollback", forget)


def enqueue(session: Session, events: list[CaseEvent], config: ApiConfig) -> None:
    refs: dict[int, ExternalRef] = {}
    case_ids = {e.case.id for e in events}
    for ref in session.scalars(select(ExternalRef).where(ExternalRef.case_id.in_(case_ids))):
        refs[ref.case_id] = ref
    for case_event in events:
        kind = OUTBOUND[case_event.kind]
        event_id = f"evt_{uuid.uuid4().hex}"
        payload = {"id": event_id, "type": kind, "occurred_at": case_event.at.isoformat(),
                   "case": _case(case_event.case, refs.get(case_event.case.id)), "data": dict(case_event.data or {})}
        for hook in config.webhooks:
            if hook.wants(kind):
                session.add(OutboxEvent(event_id=event_id, webhook=hook.url, kind=kind, case_id=case_event.case.id,
                                        payload=payload, state=OutboxState.PENDING, due_at=case_event.at,
                                        attempts=0, created_at=case_event.at))


def _case(case: Case, ref: ExternalRef | None) -> dict[str, Any]:
    return {"id": case.id, "ref": case.ref, "status": case.status, "severity": case.severity,
            "order_reference": case.order_ref, "promised_at": case.promised_at.isoformat(),
            "new_date": case.new_date.isoformat() if case.new_date else None, "owner": case.owner_id,
            "outcome": case.outcome, "source": ref.source if ref else None,
            "external_id": ref.external_id if ref else None}


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta, token: str) -> list[int]:
    """Atomically take up to `limit` due rows (and ones whose claim expired) for this sweep."""
    return claims.claim_due(session, OutboxEvent, now=now, limit=limit, lease=lease, token=token)


def claimed(session: Session, ids: list[int], token: str) -> list[OutboxEvent]:
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.id.in_(ids), OutboxEvent.claim_token == token)
                                .order_by(OutboxEvent.id)))


def settle(session: Session, row_id: int, *, token: str, now: datetime, error: str | None, max_attempts: int) -> str:
    """Sent (error None), back for a retry with backoff, or failed after max_attempts. Returns the new state,
    or "lost" when another sweep took the claim over meanwhile (it settles the row)."""
    row = session.scalar(select(OutboxEvent).where(OutboxEvent.id == row_id, OutboxEvent.claim_token == token,
                                                   OutboxEvent.state == OutboxState.SENDING))
    if row is None:
        return "lost"
    row.claim_token = None
    if error is None:
        row.state, row.sent_at, row.last_error = OutboxState.SENT, now, None
    elif row.attempts >= max_attempts:
        row.state, row.last_error = OutboxState.FAILED, error[:500]
    else:
        row.state, row.last_error = OutboxState.PENDING, error[:500]
        row.due_at = now + min(BACKOFF_CAP, BACKOFF_START * 2 ** (row.attempts - 1))
    return row.state
