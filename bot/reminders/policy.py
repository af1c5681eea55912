"""When reminders fall due: working hours in the person's timezone (or the team's), cadence by severity.

Intervals are wall-clock and then moved forward into working hours: a 4-hour reminder that would land
at 20:00 on Friday goes out at 09:00 on Monday. Nobody is nudged at night about a customer who is
asleep too, and nothing is lost: the reminder waits for the morning.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reminders.config import WorkingHours


def next_working_time(instant: datetime, hours: WorkingHours, zone: ZoneInfo) -> datetime:
    """`instant` if it falls within working hours, else the start of the next working period (UTC)."""
    local = instant.astimezone(zone)
    for _ in range(8):  # at most a week ahead: some weekday is always a working day
        if local.weekday() in hours.weekdays:
            start = local.replace(hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0)
            end = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
            if local < start:
                return _utc(start, zone)
            if local < end:
                return instant
        next_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        local = next_day.replace(tzinfo=None).replace(tzinfo=zone)  # re-resolve the offset (DST)
    raise AssertionError("no working day in a week")


def next_morning(instant: datetime, hours: WorkingHours, zone: ZoneInfo) -> datetime:
    """The start of the next working day after `instant` ("tomorrow morning")."""
    local = instant.astimezone(zone)
    tomorrow = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    return next_working_time(_utc(tomorrow.replace(tzinfo=zone), zone), hours, zone)


def _utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def previous_working_time(instant: datetime, hours: WorkingHours, zone: ZoneInfo, *,
                          lead: timedelta = timedelta(minutes=30)) -> datetime:
    """`instant` if it falls within working hours, else `lead` before the end of the previous working
    period: a nudge meant to arrive *before* a deadline moves earlier, never later."""
    local = instant.astimezone(zone)
    for _ in range(8):
        if local.weekday() in hours.weekdays:
            start = local.replace(hour=hours.start.hour, minute=hours.start.minute, second=0, microsecond=0)
            end = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
            if start <= local < end:
                return instant
            if local >= end:
                return _utc(max(start, end - lead), zone)
        previous = (local - timedelta(days=1)).replace(hour=23, minute=59, second=0, microsecond=0, tzinfo=None)
        local = previous.replace(tzinfo=zone)
    raise AssertionError("no working day in a week")


def later_in_working_hours(due_at: datetime, now: datetime, hours: WorkingHours, zone: ZoneInfo, *,
                           grace: timedelta) -> datetime | None:
    """None when a message due at `due_at` may go `now` in `zone`: now is working time, or it fell due in
    working time less than `grace` ago (a sweep running late must not push it to the next morning).
    Otherwise the start of the next working period."""
    next_now = next_working_time(now, hours, zone)
    if next_now == now:
        return None
    if now - due_at <= grace and next_working_time(due_at, hours, zone) == due_at:
        return None
    return next_now
