"""When the weekly digest is due and which week it covers (domain: no Slack).

The digest goes out at `tracking.digest.day` / `time` in the workspace's timezone and covers the 7 days
before that moment. Each recipient's digest of a week is a reminder with the key
`weekly_digest:<ISO year>-W<week>:<user>`, scheduled with bot.reminders.service.schedule_once: a key
is never scheduled twice, so a restart, a second replica or a late tick can't send a week twice, and a
digest that fell due while the bot was down goes out at the first sweep after it starts (unless it is
more than CATCH_UP late).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.reminders import service as reminders
from bot.reminders.models import Audience
from bot.tracking.config import DigestConfig

KIND = "weekly_digest"
# A digest this late is news no one needs (a bot installed mid-week, or down for days): it is skipped.
CATCH_UP = timedelta(days=3)


@dataclass(frozen=True)
class DigestWeek:
    start: datetime  # aware UTC
    end: datetime    # the moment the digest is due

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"

    def key(self, user_id: str) -> str:
        return f"{KIND}:{self.label}:{user_id}"

    def payload(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "week": self.label}

    @classmethod
    def from_payload(cls, payload: dict[str, str]) -> DigestWeek:
        return cls(datetime.fromisoformat(payload["start"]), datetime.fromisoformat(payload["end"]))


def week_to_send(now: datetime, config: DigestConfig, zone: ZoneInfo) -> DigestWeek | None:
    """The week whose digest should be out by now, unless it is more than CATCH_UP late."""
    week = latest_week(now, config, zone)
    return week if now - week.end <= CATCH_UP else None


def latest_week(now: datetime, config: DigestConfig, zone: ZoneInfo) -> DigestWeek:
    """The most recent digest moment at or before `now`, and the 7 days it covers."""
    local = now.astimezone(zone)
    days_back = (local.weekday() - config.weekday) % 7
    due = datetime.combine(local.date() - timedelta(days=days_back), config.time, zone)
    if due > local:
        due = datetime.combine(due.date() - timedelta(days=7), config.time, zone)
    start = datetime.combine(due.date() - timedelta(days=7), config.time, zone)
    return DigestWeek(start.astimezone(UTC), due.astimezone(UTC))


def scheduled_for(session: Session, week: DigestWeek) -> set[str]:
    """Recipients whose digest of `week` was ever scheduled."""
    prefix = f"{KIND}:{week.label}:"
    return {key.removeprefix(prefix) for key in reminders.keys_with_prefix(session, prefix)}


def schedule(session: Session, week: DigestWeek, recipients: Iterable[str], now: datetime) -> list[str]:
    """Schedule the week's digest for each recipient who hasn't had one; returns who was added."""
    added = []
    for user_id in sorted(set(recipients)):
        if reminders.schedule_once(session, kind=KIND, due_at=week.end, now=now, key=week.key(user_id),
                                   audience=Audience.USER, recipient_id=user_id, payload=week.payload()):
            added.append(user_id)
    return added
