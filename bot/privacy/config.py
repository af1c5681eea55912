"""amends.yaml `privacy:` - how long a resolved case keeps its customer's personal data."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, field_validator

from bot.reminders.config import Duration


class PrivacyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # After a case is resolved, its customer's personal data is kept this long, then erased (unset: kept
    # until erased on request). What the figures need stays: cause, dates, severity, outcome, costs, scores.
    retain_customer_data_for: Duration | None = None
    # How often the ticker looks for cases past the period.
    sweep_every: Duration = timedelta(hours=1)

    @field_validator("retain_customer_data_for")
    @classmethod
    def _at_least_a_day(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(days=1):
            raise ValueError("retain_customer_data_for must be at least 1d (the satisfaction follow-up needs "
                             "the customer's contact for some days after the case is resolved)")
        return value
