"""The `home:` section of amends.yaml."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from bot.reminders.config import Duration


class HomeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Changes within this long of each other refresh a Home once (resolving a case closes its checklist,
    # cancels its reminders and schedules a follow-up: one refresh, not four).
    refresh_after: Duration = timedelta(seconds=2)
    # What changes with time alone (a step falls due, a deadline comes near) shows within this long: the
    # Homes opened in the last `keep_fresh_for` are refreshed this often. 0s turns it off.
    refresh_every: Duration = timedelta(minutes=15)
    keep_fresh_for: Duration = timedelta(days=1)

    @field_validator("refresh_after")
    @classmethod
    def _sane(cls, value: timedelta) -> timedelta:
        if not timedelta(0) <= value <= timedelta(minutes=1):
            raise ValueError("refresh_after must be between 0s and 1m")
        return value

    @field_validator("refresh_every")
    @classmethod
    def _not_too_often(cls, value: timedelta) -> timedelta:
        if value and value < timedelta(minutes=1):
            raise ValueError("refresh_every must be at least 1m (or 0s to turn it off)")
        return value
