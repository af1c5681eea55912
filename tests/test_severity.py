"""The severity rule, worked through on the examples the README gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.cases.severity import Severity, assess
from bot.settings import SeverityConfig

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RULES = SeverityConfig()


@pytest.mark.parametrize(("due_in", "value", "tier_weight", "expected", "points"), [
    (timedelta(days=7), Decimal("200"), 0, Severity.LOW, 0),          # small order due next week
    (timedelta(days=2), Decimal("1500"), 0, Severity.MEDIUM, 2),      # due in 2 days, mid value
    (timedelta(hours=20), None, 0, Severity.MEDIUM, 2),               # due tomorrow
    (timedelta(hours=20), Decimal("2400"), 1, Severity.HIGH, 4),      # due tomorrow, preferred, mid value
    (timedelta(hours=-5), Decimal("50"), 0, Severity.HIGH, 4),        # overdue: at least high
    (timedelta(hours=-5), None, 2, Severity.CRITICAL, 6),             # overdue key account
    (timedelta(hours=10), Decimal("9000"), 2, Severity.CRITICAL, 6),  # due today, big, key account
    (timedelta(days=30), Decimal("5000"), 0, Severity.MEDIUM, 2),     # far off but big
])
def test_worked_examples(due_in: timedelta, value: Decimal | None, tier_weight: int, expected: Severity,
                         points: int) -> None:
    result = assess(promised_at=NOW + due_in, now=NOW, order_value=value, tier_weight=tier_weight,
                    tier_label="Key account" if tier_weight == 2 else "Preferred", rules=RULES)
    assert (result.severity, result.points) == (expected, points)


def test_reasons_explain_each_point() -> None:
    result = assess(promised_at=NOW - timedelta(hours=30), now=NOW, order_value=Decimal("6000"), tier_weight=2,
                    tier_label="Key account", rules=RULES)
    assert result.reasons == ("overdue by 30 h (+4)", "order value at least 5000 (+2)", "Key account tier (+2)")


def test_thresholds_are_configurable() -> None:
    strict = SeverityConfig(critical_at=3, high_at=2, medium_at=1)
    result = assess(promised_at=NOW + timedelta(hours=20), now=NOW, order_value=None, tier_weight=0,
                    tier_label=None, rules=strict)
    assert result.severity == Severity.HIGH


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="critical_at > high_at"):
        SeverityConfig(critical_at=2, high_at=4)
