"""A comma-decimal workspace (de_DE, EUR) end to end: the intake reads "1.234,50 €", the case message and
the drafts show amounts as Germans write them. Signed requests against the strict fake Slack."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.settings import AmendsConfig
from tests.support import Harness, all_text, configured


@pytest.fixture
def config() -> AmendsConfig:
    return configured(workspace={"timezone": "Europe/Berlin", "currency": "EUR", "locale": "de_DE"})


def test_amounts_are_typed_and_shown_in_the_workspace_locale(harness: Harness) -> None:
    view = harness.open_intake()
    field = next(b for b in view.view["blocks"] if b.get("block_id") == "order_value")
    assert field["element"]["placeholder"]["text"] == "e.g. 1.250,50\u00a0€"

    reply = harness.driver.submit(view.id, harness.intake_values(order_value="1234.50"))
    assert reply.json()["errors"]["order_value"].startswith("“1234.50” isn't an amount as written here "
                                                            "(decimals after “,”)")
    reply = harness.driver.submit(view.id, harness.intake_values(order_value="1.234,50 €"))
    assert reply.json()["response_action"] == "update"
    case = harness.latest_case()
    assert case.order_value == Decimal("1234.50")
    harness.fake.wait_for(lambda: harness.settled(case.id))
    assert "1.234,50\u00a0€" in all_text(harness.case_message(harness.case(case.id)).blocks)


def test_twelve_fifty_is_twelve_and_a_half(harness: Harness) -> None:
    case = harness.open_case(order_value="12,50")
    assert case.order_value == Decimal("12.50")  # never 1250
