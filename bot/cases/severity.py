"""How urgent a case is, derived from facts rather than asked (people rate their own problems unevenly).

The rule adds points and compares the total with thresholds (all configurable under `severity:` in
amends.yaml; defaults shown):

* timing - the promise is already overdue: +4; due within 24 h: +2; due within 72 h: +1
* order value - at least `high_value` (5000): +2; at least `medium_value` (1000): +1
* customer tier - the tier's `weight` (standard 0, preferred 1, key account 2)

A total of 6 or more is critical, 4 or more high, 2 or more medium, otherwise low. So an overdue promise
is at least high, an overdue promise to a key account is critical, and a small order due next week is low.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.settings import SeverityConfig


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def emoji(self) -> str:
        return {"low": ":white_circle:", "medium": ":large_yellow_circle:", "high": ":large_orange_circle:",
                "critical": ":red_circle:"}[self.value]


@dataclass(frozen=True)
class Assessment:
    severity: Severity
    points: int
    reasons: tuple[str, ...]


def assess(
    *,
    promised_at: datetime,
    now: datetime,
    order_value: Decimal | None,
    tier_weight: int,
    tier_label: str | None,
    rules: SeverityConfig,
) -> Assessment:
    points = 0
    reasons: list[str] = []

    left = promised_at - now
    if left < timedelta(0):
        points += rules.overdue_points
        reasons.append(f"overdue by {_duration(-left)} (+{rules.overdue_points})")
    elif left <= timedelta(hours=24):
        points += rules.due_within_24h_points
        reasons.append(f"due in {_duration(left)} (+{rules.due_within_24h_points})")
    elif left <= timedelta(hours=72):
        points += rules.due_within_72h_points
        reasons.append(f"due in {_duration(left)} (+{rules.due_within_72h_points})")

    if order_value is not None:
        if order_value >= rules.high_value:
            points += rules.high_value_points
            reasons.append(f"order value at least {rules.high_value} (+{rules.high_value_points})")
        elif order_value >= rules.medium_value:
            points += rules.medium_value_points
            reasons.append(f"order value at least {rules.medium_value} (+{rules.medium_value_points})")

    if tier_weight:
        points += tier_weight
        reasons.append(f"{tier_label or 'customer'} tier (+{tier_weight})")

    if points >= rules.critical_at:
        severity = Severity.CRITICAL
    elif points >= rules.high_at:
        severity = Severity.HIGH
    elif points >= rules.medium_at:
        severity = Severity.MEDIUM
    else:
        severity = Severity.LOW
    return Assessment(severity, points, tuple(reasons))


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    if hours < 1:
        return f"{max(1, int(delta.total_seconds() // 60))} min"
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"
