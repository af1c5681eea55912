"""Scheduling, claiming and settling reminders. Plain values in and out; the caller owns the transaction.

Guarantees, and how:
* Nothing is lost across restarts: reminders are rows; a sweep sends whatever is due when it runs, so
  what fell due while the bot was down goes out at the first sweep after start. Cadence reminders are one
  live row per case, rescheduled after each send, so a long outage yields one reminder, not one per
  missed interval.
* Several processes never send the same reminder: `claim_due` is one atomic UPDATE ... RETURNING over
  rows chosen with FOR UPDATE SKIP LOCKED on PostgreSQL (SQLite serialises writers, so one process at a
  time claims there). Every later transition checks the claim token.
* A process killed mid-send leaves rows in `sending`; after `claim_lease` another sweep reclaims them,
  marked `uncertain`, and the sender looks in Slack for the reminder's id (message metadata) before
  posting again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.errors import Conflict, NotFound
from bot.reminders.models import Audience, Reminder, ReminderState

LIVE = (ReminderState.PENDING, ReminderState.SENDING)


def schedule(session: Session, *, kind: str, due_at: datetime, now: datetime, case_id: int | None = None,
             audience: Audience = Audience.OWNER, recipient_id: str | None = None, key: str | None = None,
             payload: dict[str, Any] | None = None) -> Reminder:
    """Create a reminder, or move the live one with the same key to `due_at` (keys make this idempotent)."""
    if key is not None:
        live = live_by_key(session, key)
        if live is not None:
            return _move(live, due_at, payload)
    reminder = Reminder(kind=kind, case_id=case_id, audience=audience, recipient_id=recipient_id,
                        dedupe_key=key, payload=payload or {}, state=ReminderState.PENDING, due_at=due_at,
                        attempts=0, uncertain=False, created_at=now)
    try:
        with session.begin_nested():  # another replica may insert the same key at the same moment
            session.add(reminder)
    except IntegrityError:
        live = live_by_key(session, key) if key else None
        if live is None:
            raise
        return _move(live, due_at, payload)
    return reminder


def _move(reminder: Reminder, due_at: datetime, payload: dict[str, Any] | None) -> Reminder:
    if reminder.state == ReminderState.PENDING:
        reminder.due_at = due_at
        if payload is not None:
            reminder.payload = payload
    return reminder


def live_by_key(session: Session, key: str) -> Reminder | None:
    return session.scalar(select(Reminder).where(Reminder.dedupe_key == key, Reminder.state.in_(LIVE)))


def get(session: Session, reminder_id: int) -> Reminder:
    reminder = session.get(Reminder, reminder_id)
    if reminder is None:
        raise NotFound("That reminder no longer exists.")
    return reminder


def cancel_for_case(session: Session, case_id: int, *, reason: str, kinds: Iterable[str] | None = None,
                    keep_kinds: Iterable[str] = ()) -> int:
    """Cancel the case's pending reminders (a claimed one re-checks relevance before it posts)."""
    conditions = [Reminder.case_id == case_id, Reminder.state == ReminderState.PENDING]
    if kinds is not None:
        conditions.append(Reminder.kind.in_(list(kinds)))
    keep = list(keep_kinds)
    if keep:
        conditions.append(Reminder.kind.not_in(keep))
    result = session.execute(update(Reminder).where(*conditions)
                             .values(state=ReminderState.CANCELLED, closed_reason=reason)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def cancel_key(session: Session, key: str, *, reason: str) -> bool:
    reminder = live_by_key(session, key)
    if reminder is None or reminder.state != ReminderState.PENDING:
        return False
    reminder.state = ReminderState.CANCELLED
    reminder.closed_reason = reason
    return True


def claim_due(session: Session, *, now: datetime, limit: int, lease: timedelta, token: str) -> list[int]:
    """Atomically take up to `limit` due reminders (and ones whose claim expired) for this sweep."""
    due = (select(Reminder.id)
           .where(or_(and_(Reminder.state == ReminderState.PENDING, Reminder.due_at <= now),
                      and_(Reminder.state == ReminderState.SENDING, Reminder.claimed_at < now - lease)))
           .order_by(Reminder.due_at, Reminder.id)
           .limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Reminder)
        .where(Reminder.id.in_(due.scalar_subquery()))
        .values(state=ReminderState.SENDING, claim_token=token, claimed_at=now, attempts=Reminder.attempts + 1,
                # SET expressions see the row as it was: a row still `sending` was interrupted mid-send.
                uncertain=case((Reminder.state == ReminderState.SENDING, True), else_=Reminder.uncertain))
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)
    ).scalars().all()
    return sorted(claimed)


def _claimed(session: Session, reminder_id: int, token: str) -> Reminder | None:
    return session.scalar(select(Reminder).where(Reminder.id == reminder_id, Reminder.claim_token == token,
                                                 Reminder.state == ReminderState.SENDING))


def mark_sent(session: Session, reminder_id: int, *, token: str, now: datetime, channel_id: str | None,
              message_ts: str | None) -> Reminder | None:
    """Settle a send. None when the claim was lost meanwhile (another sweep took over and settles it)."""
    reminder = _claimed(session, reminder_id, token)
    if reminder is None:
        return None
    reminder.state = ReminderState.SENT
    reminder.sent_at = now
    reminder.channel_id = channel_id
    reminder.message_ts = message_ts
    reminder.uncertain = False
    reminder.last_error = None
    return reminder


def mark_cancelled(session: Session, reminder_id: int, *, token: str | None, reason: str) -> bool:
    reminder = _claimed(session, reminder_id, token) if token else session.get(Reminder, reminder_id)
    if reminder is None or not reminder.is_live:
        return False
    reminder.state = ReminderState.CANCELLED
    reminder.closed_reason = reason
    return True


def retry_later(session: Session, reminder_id: int, *, token: str, due_at: datetime, error: str,
                uncertain: bool, counts_as_attempt: bool = True) -> Reminder | None:
    """Put a claimed reminder back for another try (rate limited, Slack error, network trouble)."""
    reminder = _claimed(session, reminder_id, token)
    if reminder is None:
        return None
    reminder.state = ReminderState.PENDING
    reminder.due_at = due_at
    reminder.claim_token = None
    reminder.uncertain = reminder.uncertain or uncertain
    reminder.last_error = error
    if not counts_as_attempt:
        reminder.attempts -= 1
    return reminder


def mark_failed(session: Session, reminder_id: int, *, token: str, error: str) -> Reminder | None:
    reminder = _claimed(session, reminder_id, token)
    if reminder is None:
        return None
    reminder.state = ReminderState.FAILED
    reminder.last_error = error
    reminder.closed_reason = "gave up: " + error
    return reminder


def answer(session: Session, reminder_id: int, *, user_id: str, now: datetime, answer: str) -> Reminder:
    """Someone acted on a reminder (update sent, snoozed, handed over). The first answer counts."""
    reminder = get(session, reminder_id)
    if reminder.state != ReminderState.SENT:
        raise Conflict("That reminder isn't waiting for an answer any more.")
    if reminder.answered_at is None:
        reminder.answered_at = now
        reminder.answered_by = user_id
        reminder.answer = answer
    return reminder


def pending_for_case(session: Session, case_id: int) -> Sequence[Reminder]:
    return session.scalars(select(Reminder).where(Reminder.case_id == case_id,
                                                  Reminder.state == ReminderState.PENDING)
                           .order_by(Reminder.due_at)).all()


def next_due_for_cases(session: Session, case_ids: Sequence[int]) -> dict[int, datetime]:
    """The next pending reminder per case (App Home shows it)."""
    from sqlalchemy import func

    if not case_ids:
        return {}
    rows = session.execute(select(Reminder.case_id, func.min(Reminder.due_at))
                           .where(Reminder.case_id.in_(list(case_ids)), Reminder.state == ReminderState.PENDING)
                           .group_by(Reminder.case_id)).all()
    return {case_id: due for case_id, due in rows}  # min() keeps the column type: aware UTC
