"""Each person's timezone, read from the cache (plain values; the Slack side fills it from users.info).

Reminders to a person land in *their* working hours: the scheduler and the sender read the person's zone
here, for a whole batch in one query, and never call Slack for it. A periodic task (bot/slack/people.py)
looks up the people Amends is about to remind whose entry is missing or older than
`reminders.timezone_max_age`, one users.info call per person, never one per reminder. Anyone not (yet)
known, or whose profile has no usable timezone, gets the team's zone (`workspace.timezone`); a failed
lookup keeps what was cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select, union
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.cases.models import Case, CaseStatus
from bot.people.models import PersonZone
from bot.reminders.models import Audience, Reminder, ReminderState

# A lookup that failed is tried again after this, not at every tick (Slack may be down for everyone).
RETRY_FAILED_AFTER = timedelta(hours=1)


def as_zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


# What this session read of the cache, by person (tz or None): a sweep reads its batch's people once,
# and each sent reminder's next one is then timed without asking again (a query a reminder was 8% of a
# burst's sending CPU). Kept in the session, so never older than its transaction.
_READ = "amends_person_zones"


def zones(session: Session, user_ids: Iterable[str | None], default: ZoneInfo) -> dict[str, ZoneInfo]:
    """Each person's zone (the team's `default` for anyone not known): one query for a batch, none for
    people this session already read."""
    wanted = sorted({u for u in user_ids if u})
    read: dict[str, str | None] = session.info.setdefault(_READ, {})
    missing = [u for u in wanted if u not in read]
    if missing:
        read.update(dict.fromkeys(missing))
        read.update(session.execute(select(PersonZone.user_id, PersonZone.tz)
                                    .where(PersonZone.user_id.in_(missing))).all())
    return {user_id: as_zone(read[user_id]) or default for user_id in wanted}


def zone(session: Session, user_id: str | None, default: ZoneInfo) -> ZoneInfo:
    return zones(session, [user_id], default).get(user_id or "", default)


def known(session: Session, user_id: str) -> bool:
    """Whether this person was ever looked up (answered or not)."""
    return session.get(PersonZone, user_id) is not None


def to_refresh(session: Session, *, now: datetime, max_age: timedelta, limit: int) -> list[str]:
    """People Amends may remind (owners of open cases, recipients of pending reminders) whose zone was never
    looked up, or last looked up more than `max_age` ago (`RETRY_FAILED_AFTER` after a failed lookup);
    never looked up first."""
    pending = Reminder.state == ReminderState.PENDING
    people = union(select(Case.owner_id.label("user_id")).where(Case.status == CaseStatus.OPEN),
                   select(Case.owner_id.label("user_id")).join(Reminder, Reminder.case_id == Case.id)
                   .where(pending, Reminder.audience == Audience.OWNER),  # e.g. a resolved case's follow-up
                   select(Reminder.recipient_id.label("user_id"))
                   .where(pending, Reminder.audience == Audience.USER,
                          Reminder.recipient_id.is_not(None))).subquery()
    stale = or_(PersonZone.user_id.is_(None),
                (PersonZone.error.is_(None)) & (PersonZone.checked_at <= now - max_age),
                (PersonZone.error.is_not(None)) & (PersonZone.checked_at <= now - min(max_age, RETRY_FAILED_AFTER)))
    query = (select(people.c.user_id).outerjoin(PersonZone, PersonZone.user_id == people.c.user_id).where(stale)
             .order_by(PersonZone.checked_at.is_not(None), PersonZone.checked_at, people.c.user_id).limit(limit))
    return list(session.scalars(query))


def record(session: Session, user_id: str, *, tz: str | None, label: str | None, offset: int | None,
           now: datetime) -> ZoneInfo | None:
    """What users.info said. A timezone this machine doesn't know is kept as none (the team's is used)."""
    usable = as_zone(tz)
    _upsert(session, user_id, tz=tz if usable else None, tz_label=label, tz_offset=offset, fetched_at=now,
            checked_at=now, error=None if usable or not tz else f"unknown timezone {tz[:150]}")
    return usable


def record_failure(session: Session, user_id: str, *, now: datetime, error: str) -> None:
    """users.info failed: the cached zone (if any) stays in use; tried again after RETRY_FAILED_AFTER."""
    _upsert(session, user_id, checked_at=now, error=error[:200])


def _upsert(session: Session, user_id: str, **values: object) -> None:
    session.info.get(_READ, {}).pop(user_id, None)
    dialect = session.get_bind().dialect.name
    insert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(PersonZone)
    statement = insert.values(user_id=user_id, **values)
    session.execute(statement.on_conflict_do_update(index_elements=["user_id"], set_=values))
