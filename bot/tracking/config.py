"""The `tracking:` section of amends.yaml: the weekly digest and limits of the resolve form."""

from __future__ import annotations

from datetime import time as Time

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.reminders.config import WEEKDAYS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DigestConfig(_Strict):
    """When the weekly digest reaches the managers (in workspace.timezone); it covers the 7 days before."""

    enabled: bool = True
    day: str = "mon"
    time: Time = Time(9, 0)

    @field_validator("day")
    @classmethod
    def _day(cls, day: str) -> str:
        if day not in WEEKDAYS:
            raise ValueError(f"day must be one of {', '.join(WEEKDAYS)}")
        return day

    @property
    def weekday(self) -> int:
        return WEEKDAYS.index(self.day)


class TrackingConfig(_Strict):
    digest: DigestConfig = Field(default_factory=DigestConfig)
    # How many lessons the digest and the report show as the period's best.
    best_lessons: int = Field(default=3, ge=1, le=10)
