"""The customer's timezone: typed at intake as a city or a zone, used for every date in their messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.cases.timezones import resolve_timezone
from tests.support import Harness, all_text
from tests.test_draft_slack import DRAFT, body_of, open_draft


@pytest.mark.parametrize(("typed", "zone"), [
    ("New York", "America/New_York"),
    ("  new   york ", "America/New_York"),
    ("America/New_York", "America/New_York"),
    ("america/los angeles", "America/Los_Angeles"),
    ("São Paulo", "America/Sao_Paulo"),
    ("Sydney, Australia", "Australia/Sydney"),
    ("Paris", "Europe/Paris"),
    ("UTC", "UTC"),
])
def test_cities_and_zone_names_are_understood(typed: str, zone: str) -> None:
    assert resolve_timezone(typed) == zone


def test_a_typo_gets_a_suggestion_and_an_unknown_place_a_hint() -> None:
    with pytest.raises(ValueError, match=r"Did you mean New York \(America/New_York\)\?"):
        resolve_timezone("New Yrok")
    with pytest.raises(ValueError, match="nearest big city"):
        resolve_timezone("Leeds")


def test_the_intake_asks_kindly_again_for_an_unknown_timezone(harness: Harness) -> None:
    view = harness.open_intake()
    reply = harness.driver.submit(view.id, harness.intake_values(customer_timezone="Nwe York"))
    errors = reply.json()["errors"]
    assert list(errors) == ["customer_timezone"] and "Did you mean New York" in errors["customer_timezone"]


def test_dates_in_the_draft_are_in_the_customer_s_time(harness: Harness) -> None:
    promised = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 3 pm in London, 10 am in New York
    case = harness.open_case(customer_timezone="New York", promised_at=promised, new_date=None)
    assert harness.case(case.id).customer_timezone == "America/New_York"
    assert "Northwind Traders (America/New_York)" in all_text(harness.case_message(case).blocks)
    view = open_draft(harness, case)
    assert "it won't arrive on Tuesday 24 November at 10 am as we promised" in body_of(view)
    assert "customer's time (America/New_York)" in all_text(view.view["blocks"])
    assert view.view["callback_id"] == DRAFT


def test_without_a_timezone_the_workspace_s_is_used(harness: Harness) -> None:
    promised = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    case = harness.open_case(promised_at=promised, new_date=None)
    assert harness.case(case.id).customer_timezone is None
    assert "on Tuesday 24 November at 3 pm" in body_of(open_draft(harness, case))
