"""Achievable dates: what lead_times.yaml and an order system's ETA let the team really promise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cases.achievable import CaseFacts, achievable_for, earlier_than_achievable, lead_times_for
from bot.cases.lead_times import Span, check_lead_times
from bot.playbooks.config import PlaybooksConfig
from tests.support import configured

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday


def test_supplier_delay_from_china_takes_its_lead_time_and_buffer() -> None:
    config = configured()
    achievable = achievable_for(CaseFacts("supplier-delay", "goods", "cn"), lead_times_for(config), NOW, config)
    assert achievable is not None
    assert achievable.date == datetime(2026, 12, 16, 10, 0, tzinfo=UTC)  # 7 days + 2 days' buffer
    assert achievable.source == "supplier-delay from CN: 7 days + 2 days' buffer"


def test_an_engineer_visit_is_the_next_working_day_whatever_the_cause() -> None:
    config = configured()
    friday = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
    achievable = achievable_for(CaseFacts("quality", "visit"), lead_times_for(config), friday, config)
    assert achievable is not None and achievable.source == "visit: the next working day"
    assert achievable.date.astimezone(config.workspace.zone).strftime("%a %d") == "Mon 14"


def test_an_order_system_eta_wins_over_the_file() -> None:
    config = configured()
    eta = datetime(2026, 12, 12, 12, 0, tzinfo=UTC)
    facts = CaseFacts("supplier-delay", "goods", "CN", eta=eta)
    achievable = achievable_for(facts, lead_times_for(config), NOW, config)
    assert achievable is not None and achievable.eta == eta == achievable.date
    assert achievable.source == "order system ETA, 12 Dec"
    buffered = replace(lead_times_for(config), eta_buffer=Span.parse("1d"))
    achievable = achievable_for(facts, buffered, NOW, config)
    assert achievable is not None and achievable.source == "order system ETA, 12 Dec + 1 day's buffer"
    assert achievable.date == datetime(2026, 12, 13, 12, 0, tzinfo=UTC)


def test_nothing_is_suggested_for_a_cause_no_entry_covers() -> None:
    config = configured()
    assert achievable_for(CaseFacts("quality", "goods"), lead_times_for(config), NOW, config) is None
    assert "quality" in lead_times_for(config).uncovered_causes()


def test_an_earlier_day_is_earlier_but_a_later_hour_of_the_same_day_is_not() -> None:
    config = configured()
    achievable = achievable_for(CaseFacts("supplier-delay", "goods", "CN"), lead_times_for(config), NOW, config)
    zone = config.workspace.zone
    assert earlier_than_achievable(datetime(2026, 12, 8, 9, tzinfo=UTC), achievable, zone)
    assert not earlier_than_achievable(datetime(2026, 12, 16, 8, tzinfo=UTC), achievable, zone)
    assert not earlier_than_achievable(None, achievable, zone)
    assert not earlier_than_achievable(datetime(2026, 12, 8, tzinfo=UTC), None, zone)


def test_a_team_file_is_checked_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "lead_times.yaml").write_text(
        "lead_times:\n"
        "  - cause: supplier-delay\n"
        "    from: CN\n"
        "    lead: a fortnight\n"
        "  - cause: spontaneous-combustion\n"
        "    lead: 2d\n"
        "  - buffer: 1d\n"
        "    lead: 1d\n", encoding="utf-8")
    _, problems = check_lead_times(PlaybooksConfig(folders=(tmp_path,)))
    path = tmp_path / "lead_times.yaml"
    assert any(p.startswith(f"{path}:4: lead_times.0.lead:") and "a fortnight" in p for p in problems), problems
    assert any(p.startswith(f"{path}:5: lead_times.1.cause:") for p in problems), problems
    assert any(p.startswith(f"{path}:7: lead_times.2:") and "say what it is for" in p for p in problems), problems


@pytest.mark.parametrize("text", ["7d", "48h", "3 working days", "next working day", "1 business day"])
def test_lead_time_forms(tmp_path: Path, text: str) -> None:
    (tmp_path / "lead_times.yaml").write_text(f"lead_times:\n  - cause: other\n    lead: {text}\n", encoding="utf-8")
    lead_times, problems = check_lead_times(PlaybooksConfig(folders=(tmp_path,)))
    assert problems == [] and lead_times.best("other", "goods", None) is not None
