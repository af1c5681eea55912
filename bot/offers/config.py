"""The compensation budget rules of amends.yaml (`offers.budget`); who approves is in bot/settings.py.

    offers:
      budget:
        marketing_spend: 5000      # what marketing spends in a period...
        new_customers: 50          # ...and the new customers it wins then: 100 to win one customer
        tiers: {standard: 1, preferred: 1.5, key: 3}   # times that for each customer tier
        delay:                     # and times this once the customer waits at least `after` past the promise
          - {after: 1d, times: 1.25}
          - {after: 3d, times: 1.5}
          - {after: 7d, times: 2}
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.reminders.config import Duration

MAX_TIMES = Decimal("100")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _decimal(value: Any) -> Any:
    # YAML gives floats for 1.5; go through their shortest text so 1.1 stays 1.1, never 1.100000000000000088.
    return Decimal(repr(value)) if isinstance(value, float) else value


class DelayStep(_Strict):
    after: Duration
    times: Decimal = Field(ge=1, le=MAX_TIMES)

    @field_validator("times", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return _decimal(value)


def _default_tiers() -> tuple[tuple[str, Decimal], ...]:
    return (("key", Decimal("3")), ("preferred", Decimal("1.5")), ("standard", Decimal("1")))


def _default_delay() -> tuple[DelayStep, ...]:
    return (DelayStep(after=timedelta(days=1), times=Decimal("1.25")),
            DelayStep(after=timedelta(days=3), times=Decimal("1.5")),
            DelayStep(after=timedelta(days=7), times=Decimal("2")))


class BudgetConfig(_Strict):
    """What a case may cost: the cost of winning a new customer, scaled by tier and by how late we are."""

    marketing_spend: Decimal = Field(default=Decimal("5000"), gt=0)
    new_customers: int = Field(default=50, ge=1)
    tiers: tuple[tuple[str, Decimal], ...] = Field(default_factory=_default_tiers)
    delay: tuple[DelayStep, ...] = Field(default_factory=_default_delay)

    @field_validator("marketing_spend", mode="before")
    @classmethod
    def _spend(cls, value: Any) -> Any:
        return _decimal(value)

    @field_validator("tiers", mode="before")
    @classmethod
    def _tiers(cls, value: Any) -> Any:
        if isinstance(value, tuple):
            return value
        if not isinstance(value, dict):
            raise ValueError("must map each customer tier to a multiplier, like `key: 3`")
        tiers = dict(_default_tiers())  # the team's multipliers are merged over the defaults
        for tier, times in value.items():
            times = _decimal(times)
            if not isinstance(times, int | Decimal) or isinstance(times, bool) or not 1 <= times <= MAX_TIMES:
                raise ValueError(f"{tier}: the multiplier must be a number from 1 to {MAX_TIMES}")
            tiers[str(tier)] = Decimal(times)
        return tuple(sorted(tiers.items()))

    @field_validator("delay")
    @classmethod
    def _ordered(cls, steps: tuple[DelayStep, ...]) -> tuple[DelayStep, ...]:
        for earlier, later in zip(steps, steps[1:], strict=False):
            if not (later.after > earlier.after and later.times >= earlier.times):
                raise ValueError("list the delay steps from the shortest delay to the longest, each multiplier "
                                 "at least the one before")
        return steps

    @property
    def acquisition_cost(self) -> Decimal:
        return self.marketing_spend / self.new_customers

    def tier_times(self, tier: str | None) -> Decimal:
        return dict(self.tiers).get(tier or "", Decimal("1"))

    def delay_step(self, delay: timedelta) -> DelayStep | None:
        return next((step for step in reversed(self.delay) if delay >= step.after), None)
