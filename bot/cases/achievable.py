"""A case's achievable date: the earliest new date the team can really keep, with room to spare, and
where it comes from in words. Free of Slack: intake, Edit case, drafts, the Home and the API all ask here.

An order system's ETA for the case wins (plus the file's `eta_buffer`); else the best-fitting entry of
lead_times.yaml (bot/cases/lead_times.py), counted from now on the team's working days.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cases.lead_times import LeadTimes, Span, load_lead_times
from bot.reminders.config import WorkingHours
from bot.reminders.policy import next_morning
from bot.settings import AmendsConfig

ETA_SOURCE = "eta"
LEAD_TIME_SOURCE = "lead_time"


@dataclass(frozen=True)
class CaseFacts:
    """What the achievable date depends on. `eta`: the order system's ETA for this case, if it sent one."""

    cause: str
    kind: str | None = None
    origin: str | None = None
    eta: datetime | None = None

    @classmethod
    def of(cls, case: Any, *, eta: datetime | None = None) -> CaseFacts:
        """From a Case (or anything with its fields); the ETA already recorded on it unless one is given."""
        recorded_eta = getattr(case, "achievable_eta", None)
        return cls(cause=case.cause, kind=getattr(case, "promise_kind", None),
                   origin=getattr(case, "origin", None), eta=eta or recorded_eta)


@dataclass(frozen=True)
class Achievable:
    date: datetime          # aware UTC, buffer included: what to promise
    source: str             # in words: "supplier-delay from CN: 7 days + 2 days' buffer"
    kind: str = LEAD_TIME_SOURCE  # ETA_SOURCE or LEAD_TIME_SOURCE
    eta: datetime | None = None   # the order system's ETA it comes from, if any


def achievable_for(facts: CaseFacts, lead_times: LeadTimes, now: datetime, config: AmendsConfig
                   ) -> Achievable | None:
    """The achievable date for a case with these facts, or None when neither an ETA nor an entry says."""
    zone, hours = config.workspace.zone, config.reminders.working_hours
    if facts.eta is not None:
        eta = facts.eta.astimezone(UTC)
        date = _after(eta, lead_times.eta_buffer, hours, zone)
        words = f"order system ETA, {_day(eta, zone)}"
        if not lead_times.eta_buffer.is_zero:
            words += f" + {lead_times.eta_buffer.buffer_words()}"
        return Achievable(date, words, ETA_SOURCE, eta)
    entry = lead_times.best(facts.cause, facts.kind, facts.origin)
    if entry is None:
        return None
    date = _end_of_day(_after(_after(now, entry.lead, hours, zone), entry.buffer, hours, zone), hours, zone)
    words = f"{entry.describe()}: {entry.lead.words()}"
    if not entry.buffer.is_zero:
        words += f" + {entry.buffer.buffer_words()}"
    return Achievable(date, words)


def earlier_than_achievable(new_date: datetime | None, achievable: Achievable | None,
                            zone: ZoneInfo | None = None) -> bool:
    """True when `new_date` falls on a day before the achievable one (in `zone`, default UTC): promising it
    would likely break the promise a second time. A later hour of the same day is not a warning."""
    if new_date is None or achievable is None:
        return False
    zone = zone or ZoneInfo("UTC")
    return new_date.astimezone(zone).date() < achievable.date.astimezone(zone).date()


def recorded(case: object) -> Achievable | None:
    """The achievable date saved on a case (cases.achievable_date / achievable_source), if any."""
    date = getattr(case, "achievable_date", None)
    if date is None:
        return None
    eta = getattr(case, "achievable_eta", None)
    return Achievable(date, getattr(case, "achievable_source", None) or "", ETA_SOURCE if eta else LEAD_TIME_SOURCE,
                      eta)


@functools.lru_cache(maxsize=8)
def lead_times_for(config: AmendsConfig) -> LeadTimes:
    """The lead times of a configuration, loaded once (configs are frozen and hashable)."""
    return load_lead_times(config.playbooks)


def _after(start: datetime, span: Span, hours: WorkingHours, zone: ZoneInfo) -> datetime:
    moment = start + span.calendar
    for _ in range(span.working_days):
        moment = next_morning(moment, hours, zone)
    if span.working_days:
        # A working-day lead lands at the start of that day; a promise is kept by its end.
        local = moment.astimezone(zone)
        moment = local.replace(hour=hours.end.hour, minute=hours.end.minute).astimezone(UTC)
    return moment


def _end_of_day(moment: datetime, hours: WorkingHours, zone: ZoneInfo) -> datetime:
    """The close of working hours on `moment`'s day, so a date counted from now doesn't tell a customer
    "at 5:19 am"; `moment` itself when it is already past the close (never earlier than the lead)."""
    local = moment.astimezone(zone)
    close = local.replace(hour=hours.end.hour, minute=hours.end.minute, second=0, microsecond=0)
    return max(close, local).astimezone(UTC)


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    return f"{local.day} {local:%b}"


def days_between(earlier: datetime, later: datetime, zone: ZoneInfo) -> int:
    """Calendar days from one moment's local day to the other's."""
    return (later.astimezone(zone).date() - earlier.astimezone(zone).date()).days


__all__ = ["Achievable", "CaseFacts", "achievable_for", "earlier_than_achievable", "lead_times_for",
           "recorded", "days_between"]
