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

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot import changes, claims
from bot.errors import Conflict, NotFound
from bot.reminders.models import Audience, Reminder, ReminderState

LIVE = (ReminderState.PENDING, ReminderState.SENDING)
# The partial unique index's own predicate, word for word, so the databases match ON CONFLICT to it.
LIVE_PREDICATE = text("state IN ('pending', 'sending')")


@dataclass(frozen=True)
class Schedule:
    """A reminder to create, or, when a live one has its `key`, to move to `due_at`."""

    kind: str
    due_at: datetime
    key: str
    case_id: int | None = None
    audience: Audience = Audience.OWNER
    recipient_id: str | None = None
    payload: dict[str, Any] | None = None  # None keeps a moved reminder's own


def schedule(session: Session, *, kind: str, due_at: datetime, now: datetime, case_id: int | None = None,
             audience: Audience = Audience.OWNER, recipient_id: str | None = None, key: str | None = None,
             payload: dict[str, Any] | None = None) -> int:
    """Create a reminder, or move the live one with the same key to `due_at` (keys make this idempotent,
    across replicas too: the insert and the "someone already has it" check are one statement)."""
    changes.note(session, case_id=case_id, users=[recipient_id])  # a case's next reminder shows on Home
    values = _values(kind, due_at, now, case_id, audience, recipient_id, key, payload)
    table = Reminder.__table__
    if key is None:
        return int(session.execute(insert(table).returning(table.c.id), values).scalar_one())
    statement = _upsert(session.get_bind().dialect.name, moves_payload=payload is not None)
    made_or_moved = session.execute(statement.returning(table.c.id), values).scalar()
    if made_or_moved is not None:
        return int(made_or_moved)
    # The live one is being sent right now; it stays as it is.
    return int(session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key, Reminder.state.in_(LIVE))))


def schedule_many(session: Session, wanted: Sequence[Schedule], *, now: datetime) -> None:
    """schedule() for many keyed reminders at once, in one statement (two when some move their payload and
    some don't): a batch of sent status updates schedules the next one and its escalation each. A key given
    twice ends as the last one says, as two schedule() calls would."""
    wanted = list({one.key: one for one in wanted}.values())
    dialect = session.get_bind().dialect.name
    for moves_payload in (False, True):
        group = [one for one in wanted if (one.payload is not None) == moves_payload]
        if not group:
            continue
        if dialect == "postgresql":
            # One statement taking the batch as arrays: an executemany goes through psycopg's pipeline a row
            # at a time, and a many-VALUES INSERT of varying length is parsed afresh every time.
            session.execute(_upsert_arrays(moves_payload), {
                "kinds": [one.kind for one in group], "case_ids": [one.case_id for one in group],
                "audiences": [str(one.audience) for one in group],
                "recipients": [one.recipient_id for one in group], "keys": [one.key for one in group],
                "payloads": [json.dumps(one.payload or {}) for one in group],
                "dues": [one.due_at for one in group], "now": now})
        else:  # SQLite's executemany of one statement runs in C
            session.execute(_upsert(dialect, moves_payload=moves_payload), [
                _values(one.kind, one.due_at, now, one.case_id, one.audience, one.recipient_id, one.key, one.payload)
                for one in group])
    for one in wanted:
        changes.note(session, case_id=one.case_id, users=[one.recipient_id])  # a case's next reminder shows on Home


def _values(kind: str, due_at: datetime, now: datetime, case_id: int | None, audience: Audience,
            recipient_id: str | None, key: str | None, payload: dict[str, Any] | None) -> dict[str, Any]:
    return dict(kind=kind, case_id=case_id, audience=audience, recipient_id=recipient_id, dedupe_key=key,
                payload=payload or {}, state=ReminderState.PENDING, due_at=due_at, attempts=0, uncertain=False,
                created_at=now)


@functools.cache
def _upsert_arrays(moves_payload: bool) -> Any:
    """_upsert() on PostgreSQL for a whole batch given as arrays, one per column (unnest)."""
    table = Reminder.__table__
    rows = func.unnest(
        bindparam("kinds", type_=ARRAY(String)), bindparam("case_ids", type_=ARRAY(Integer)),
        bindparam("audiences", type_=ARRAY(String)), bindparam("recipients", type_=ARRAY(String)),
        bindparam("keys", type_=ARRAY(String)), bindparam("payloads", type_=ARRAY(Text)),
        bindparam("dues", type_=ARRAY(DateTime(timezone=True))),
    ).table_valued("kind", "case_id", "audience", "recipient_id", "dedupe_key", "payload", "due_at").render_derived()
    upsert = postgresql_insert(table).from_select(
        ["kind", "case_id", "audience", "recipient_id", "dedupe_key", "payload", "state", "due_at", "attempts",
         "uncertain", "created_at"],
        select(rows.c.kind, rows.c.case_id, rows.c.audience, rows.c.recipient_id, rows.c.dedupe_key,
               cast(rows.c.payload, JSON), literal(ReminderState.PENDING.value), rows.c.due_at, literal(0),
               literal(False), bindparam("now", type_=DateTime(timezone=True))))
    moved = {"due_at": upsert.excluded.due_at, **({"payload": upsert.excluded.payload} if moves_payload else {})}
    return upsert.on_conflict_do_update(index_elements=["dedupe_key"], index_where=LIVE_PREDICATE, set_=moved,
                                        where=table.c.state == ReminderState.PENDING)


@functools.cache
def _upsert(dialect: str, *, moves_payload: bool) -> Any:
    """The keyed INSERT of schedule(), built once (building one per reminder was a fifth of a send's CPU): a
    new key makes a reminder; a key that is live already moves that reminder to the new `due_at` (and
    `payload`, if `moves_payload`) when it is pending, and leaves it as it is while it is being sent."""
    table = Reminder.__table__
    upsert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(table)
    moved = {"due_at": upsert.excluded.due_at, **({"payload": upsert.excluded.payload} if moves_payload else {})}
    return upsert.on_conflict_do_update(index_elements=["dedupe_key"], index_where=LIVE_PREDICATE, set_=moved,
                                        where=table.c.state == ReminderState.PENDING)


def schedule_once(session: Session, *, kind: str, due_at: datetime, now: datetime, key: str,
                  audience: Audience = Audience.USER, recipient_id: str | None = None,
                  payload: dict[str, Any] | None = None) -> int | None:
    """Create the reminder unless one with `key` was ever scheduled, whatever became of it (sent,
    cancelled...): for what must go out once and only once, like a week's digest. Returns its id, or None
    when it already existed. On PostgreSQL a transaction-scoped advisory lock on the key makes replicas
    take turns, so the second one sees the first one's row; SQLite has one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
    if session.scalar(select(Reminder.id).where(Reminder.dedupe_key == key).limit(1)) is not None:
        return None
    return schedule(session, kind=kind, due_at=due_at, now=now, audience=audience, recipient_id=recipient_id,
                    key=key, payload=payload)


def keys_with_prefix(session: Session, prefix: str) -> set[str]:
    """Every key ever scheduled that starts with `prefix` (e.g. one week's digests)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return set(session.scalars(select(Reminder.dedupe_key).where(Reminder.dedupe_key.like(escaped + "%",
                                                                                         escape="\\"))))


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
    # SET expressions see the row as it was: a row still `sending` was interrupted mid-send, and the sender
    # looks in Slack before posting it again.
    return claims.claim_due(
        session, Reminder, now=now, limit=limit, lease=lease, token=token,
        uncertain=case((Reminder.state == ReminderState.SENDING, True), else_=Reminder.uncertain),
        uncertain_since=case((Reminder.state == ReminderState.SENDING,
                              func.coalesce(Reminder.uncertain_since, Reminder.claimed_at)),
                             else_=Reminder.uncertain_since))


def count_due(session: Session, *, now: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(Reminder)
                              .where(Reminder.state == ReminderState.PENDING, Reminder.due_at <= now)) or 0)


def release_claims(session: Session, *, token: str, now: datetime) -> int:
    """Hand back what a sweep claimed and could not settle (it is stopping, or settling failed): due again
    at once for any replica, marked uncertain since the post may have landed (it is looked up first)."""
    result = session.execute(update(Reminder)
                             .where(Reminder.claim_token == token, Reminder.state == ReminderState.SENDING)
                             .values(state=ReminderState.PENDING, claim_token=None, due_at=now, uncertain=True)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def _claimed(session: Session, reminder_id: int, token: str) -> Reminder | None:
    return session.scalar(select(Reminder).where(Reminder.id == reminder_id, Reminder.claim_token == token,
                                                 Reminder.state == ReminderState.SENDING))


def mark_sent(session: Session, reminder_id: int, *, token: str, now: datetime, channel_id: str | None,
              message_ts: str | None) -> Reminder | None:
    """Settle a send. None when the claim was lost meanwhile (another sweep took over and settles it)."""
    settled = session.execute(
        update(Reminder)
        .where(Reminder.id == reminder_id, Reminder.claim_token == token, Reminder.state == ReminderState.SENDING)
        .values(state=ReminderState.SENT, sent_at=now, channel_id=channel_id, message_ts=message_ts,
                uncertain=False, uncertain_since=None, last_error=None)
        .returning(Reminder.id)
        .execution_options(synchronize_session=False)).scalar()
    if settled is None:
        return None
    reminder = session.get(Reminder, settled, populate_existing=True)
    changes.note(session, case_id=reminder.case_id, users=[reminder.recipient_id])
    return reminder


def mark_sent_many(session: Session, sent: dict[int, tuple[str | None, str | None]], *, token: str,
                   now: datetime) -> list[Reminder]:
    """Settle a batch of sends ({id: (channel, ts)}) with one read and one UPDATE; returns the reminders still
    claimed with `token` (the others were taken over meanwhile and are settled by their new claimer). The rows
    are locked on PostgreSQL (SQLite has one writer) so no takeover slips between the read and the write."""
    if not sent:
        return []
    query = select(Reminder).where(Reminder.id.in_(list(sent)), Reminder.claim_token == token,
                                   Reminder.state == ReminderState.SENDING)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    reminders = list(session.scalars(query.execution_options(populate_existing=True)))
    if not reminders:
        return []
    settled = {"state": ReminderState.SENT, "sent_at": now, "uncertain": False, "uncertain_since": None,
               "last_error": None}
    # One Core statement (on PostgreSQL taking the batch as arrays, an executemany elsewhere); the loaded
    # objects are told the values as committed (the ORM's unit of work did the same at several times the CPU).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_MARK_SENT_ARRAYS.values(**settled), {
            "ids": [r.id for r in reminders], "channels": [sent[r.id][0] for r in reminders],
            "tss": [sent[r.id][1] for r in reminders]})
    else:
        session.execute(_MARK_SENT.values(**settled), [
            {"rid": reminder.id, "new_channel": sent[reminder.id][0], "new_ts": sent[reminder.id][1]}
            for reminder in reminders])
    for reminder in reminders:
        for name, value in {**settled, "channel_id": sent[reminder.id][0], "message_ts": sent[reminder.id][1]}.items():
            set_committed_value(reminder, name, value)
        changes.note(session, case_id=reminder.case_id, users=[reminder.recipient_id])
    return reminders


_MARK_SENT = (update(Reminder.__table__).where(Reminder.__table__.c.id == bindparam("rid"))
              .values(channel_id=bindparam("new_channel"), message_ts=bindparam("new_ts")))
_SENT = func.unnest(bindparam("ids", type_=ARRAY(Integer)), bindparam("channels", type_=ARRAY(String)),
                    bindparam("tss", type_=ARRAY(String))).table_valued("id", "channel", "ts").render_derived()
_MARK_SENT_ARRAYS = (update(Reminder.__table__).where(Reminder.__table__.c.id == _SENT.c.id)
                     .values(channel_id=_SENT.c.channel, message_ts=_SENT.c.ts))


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
    if reminder.uncertain and reminder.uncertain_since is None:
        reminder.uncertain_since = reminder.claimed_at
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


def next_due_for_cases(session: Session, case_ids: Sequence[int], *,
                       audiences: Sequence[Audience] | None = None) -> dict[int, datetime]:
    """The next pending reminder per case (App Home shows it), of any audience or only `audiences`."""
    from sqlalchemy import func

    if not case_ids:
        return {}
    where = [Reminder.case_id.in_(list(case_ids)), Reminder.state == ReminderState.PENDING]
    if audiences is not None:
        where.append(Reminder.audience.in_([str(a) for a in audiences]))
    rows = session.execute(select(Reminder.case_id, func.min(Reminder.due_at)).where(*where)
                           .group_by(Reminder.case_id)).all()
    return {case_id: due for case_id, due in rows}  # min() keeps the column type: aware UTC
