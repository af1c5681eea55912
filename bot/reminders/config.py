"""The `reminders:` section of amends.yaml."""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")


def parse_duration(value: object) -> timedelta:
    """'90s', '30m', '4h', '2d', '1w' (or a number of seconds) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration like 30m, 4h or 2d")
    amount, unit = float(match.group(1)), match.group(2)
    return timedelta(**{_UNITS[unit]: amount})


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkingHours(_Strict):
    start: time = time(9, 0)
    end: time = time(18, 0)
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")

    @field_validator("days")
    @classmethod
    def _days(cls, days: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in days if d not in WEEKDAYS]
        if bad or not days:
            raise ValueError(f"days must be some of {', '.join(WEEKDAYS)}")
        return days

    @model_validator(mode="after")
    def _order(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(WEEKDAYS.index(d) for d in self.days)


class Cadence(_Strict):
    """How often the owner is reminded to update the customer, by severity."""

    critical: Duration = timedelta(hours=2)
    high: Duration = timedelta(hours=4)
    medium: Duration = timedelta(days=1)
    low: Duration = timedelta(days=2)

    def every(self, severity: str) -> timedelta:
        return getattr(self, severity, self.medium)


class RemindersConfig(_Strict):
    working_hours: WorkingHours = Field(default_factory=WorkingHours)
    status_update_every: Cadence = Field(default_factory=Cadence)
    # "Deadline near and the customer not told": the owner this long before the promised time...
    deadline_warning_before: Duration = timedelta(hours=24)
    # ...and the managers this long before it, if the customer still hasn't been told.
    deadline_manager_before: Duration = timedelta(hours=4)
    # A status reminder nobody answered (Update sent / Snooze / Hand over) goes to the managers after this.
    unanswered_after: Duration = timedelta(hours=4)
    satisfaction_followup_after: Duration = timedelta(days=3)
    # A person's timezone (from their Slack profile) is looked up again when the cached one is this old.
    timezone_max_age: Duration = timedelta(days=1)
    # Mechanics: how often the sweep looks for due reminders, how many it sends at once, how long a
    # claim lasts before another process may take it over, and how often a failing send is retried.
    sweep_every: Duration = timedelta(seconds=15)
    send_concurrency: int = Field(default=8, ge=1, le=64)
    claim_lease: Duration = timedelta(minutes=2)
    max_attempts: int = Field(default=5, ge=1, le=20)

    @model_validator(mode="after")
    def _sane(self) -> RemindersConfig:
        if self.deadline_manager_before > self.deadline_warning_before:
            raise ValueError("deadline_manager_before must not exceed deadline_warning_before "
                             "(the owner hears first, then the managers)")
        if self.claim_lease < timedelta(seconds=5):
            raise ValueError("claim_lease must be at least 5s")
        return self
