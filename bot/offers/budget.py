"""What a case may cost to put right, with the reasoning shown to the associate.

The floor is what it costs to win a new customer (marketing spend / new customers won): losing this
customer costs at least that. It is scaled up for the customer's tier (a key account is worth more than
a one-off buyer) and again the longer they wait past the promise (customers forgive less the later it
gets). All the numbers are in amends.yaml `offers.budget` (bot/offers/config.py).

    budget = marketing_spend / new_customers × tier multiplier × delay multiplier   (to the cent, half up)

The delay is from the promised time to the new date when there is one, else to now (the customer is
still waiting); a promise not yet due with no new date has no delay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.cases.models import Case
from bot.money import CENT
from bot.settings import AmendsConfig

ONE = Decimal("1")


@dataclass(frozen=True)
class Budget:
    amount: Decimal
    acquisition_cost: Decimal
    marketing_spend: Decimal
    new_customers: int
    tier: str | None
    tier_label: str | None
    tier_times: Decimal
    delay: timedelta
    delay_after: timedelta | None  # the delay step that applies
    delay_times: Decimal

    def reasons(self, money: Callable[[Decimal], str]) -> list[str]:
        """The sum, one factor a line: `money(Decimal) -> str` formats amounts in the workspace currency."""
        lines = [f"{money(self.acquisition_cost.quantize(CENT, ROUND_HALF_UP))} to win a new customer "
                 f"({money(self.marketing_spend)} marketing ÷ {self.new_customers:,} new customers)"]
        if self.tier_times != ONE:
            lines.append(f"× {_times(self.tier_times)} for a {self.tier_label or self.tier} customer")
        if self.delay_times != ONE and self.delay_after is not None:
            lines.append(f"× {_times(self.delay_times)} for a delay of {describe(self.delay)} "
                         f"({describe(self.delay_after)} or more)")
        elif self.delay > timedelta(0):
            lines.append(f"× 1 for a delay of {describe(self.delay)}")
        return lines


def budget_for(case: Case, config: AmendsConfig, now: datetime) -> Budget:
    rules = config.offers.budget
    tier = config.tier(case.customer_tier)
    delay = delay_of(case, now)
    step = rules.delay_step(delay)
    tier_times = rules.tier_times(case.customer_tier)
    delay_times = step.times if step else ONE
    amount = (rules.acquisition_cost * tier_times * delay_times).quantize(CENT, ROUND_HALF_UP)
    return Budget(amount=amount, acquisition_cost=rules.acquisition_cost, marketing_spend=rules.marketing_spend,
                  new_customers=rules.new_customers, tier=case.customer_tier, tier_label=tier.label if tier else None,
                  tier_times=tier_times, delay=delay, delay_after=step.after if step else None,
                  delay_times=delay_times)


def delay_of(case: Case, now: datetime) -> timedelta:
    """How long past the promise the customer waits: to the new date, else (still waiting) to now."""
    until = case.new_date or now
    return max(until - case.promised_at, timedelta(0))


def describe(delay: timedelta) -> str:
    """'4 days', '1 day 6 hours', '5 hours', 'under an hour'."""
    days, rest = delay.days, delay.seconds // 3600
    parts = []
    if days:
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    if rest:
        parts.append(f"{rest} hour{'s' if rest != 1 else ''}")
    return " ".join(parts) or "under an hour"


def _times(value: Decimal) -> str:
    return format(value.normalize(), "f")
