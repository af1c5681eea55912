"""Achievable dates: what lead_times.yaml and an order system's ETA let the team really promise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.cases.achievable import CaseFacts, achievable_for, earlier_than_achievable, lead_times_for
from bot.cases.lead_times import Span, check_lead_times
from bot.playbooks.config import PlaybooksConfig
from tests.support import ASSOCIATE, Harness, all_text, configured

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday


def test_supplier_delay_from_china_takes_its_lead_time_and_buffer() -> None:
    config = configured()
    achievable = achievable_for(CaseFacts("supplier-delay", "goods", "cn"), lead_times_for(config), NOW, config)
    assert achievable is not None
    # 7 days + 2 days' buffer, by the close of that day (18:00 in London, UTC in December)
    assert achievable.date == datetime(2026, 12, 16, 18, 0, tzinfo=UTC)
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


# ---------------------------------------------------------------------- intake, end to end


def in_nine_days(harness: Harness) -> datetime:
    """A supplier delay from CN opened now: 7 days + 2 days' buffer, by the close of that day (18:00)."""
    return (harness.clock.now() + timedelta(days=9)).replace(hour=18, minute=0)


def _block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id", "").split(".")[0] == block_id)


def test_intake_for_a_supplier_delay_from_china_shows_and_suggests_the_achievable_date(harness: Harness) -> None:
    view = harness.open_intake()
    typed = {"customer_name": "Northwind Traders", "promise": "12 office chairs"}
    reply = harness.driver.click(ASSOCIATE, "cause", view=view, selected="supplier-delay", typed=typed)
    assert reply.status == 200
    harness.fake.wait_for(lambda: "Achievable" in all_text(harness.fake.view(view.id).view["blocks"]))
    reply = harness.driver.click(ASSOCIATE, "origin", view=harness.fake.view(view.id), selected="CN",
                                 typed={**typed, "cause": "supplier-delay"})
    assert reply.status == 200
    harness.fake.wait_for(lambda: "from CN" in all_text(harness.fake.view(view.id).view["blocks"]))
    updated = harness.fake.view(view.id).view
    expected = in_nine_days(harness)
    shown = all_text([_block(updated, "intake_achievable")])
    assert "supplier-delay from CN: 7 days + 2 days' buffer" in shown
    assert f"<!date^{int(expected.timestamp())}" in shown
    # Suggested as the new date; what was typed is still there.
    assert _block(updated, "new_date")["element"]["initial_date_time"] == int(expected.timestamp())
    assert _block(updated, "customer_name")["element"]["initial_value"] == "Northwind Traders"
    assert _block(updated, "origin")["element"]["initial_option"]["value"] == "CN"

    # Submitted as suggested (the untouched fields send their initial values): saved with its source.
    values = {k: v for k, v in harness.intake_values().items() if k != "new_date"}
    reply = harness.driver.submit(view.id, {**values, "origin": "CN"})  # the new date left as suggested
    assert reply.json()["view"].get("callback_id") != "case_intake"
    case = harness.latest_case()
    assert case.achievable_date == expected and case.new_date == expected
    assert case.achievable_source == "supplier-delay from CN: 7 days + 2 days' buffer"
    assert "achievable_overridden" not in [e.kind for e in harness.events(case.id)]


def test_an_earlier_new_date_is_warned_about_and_if_kept_the_case_log_says_so(harness: Harness) -> None:
    view = harness.open_intake()
    tomorrow = harness.clock.now() + timedelta(days=1)
    values = {**harness.intake_values(), "origin": "CN", "new_date": tomorrow}
    reply = harness.driver.submit(view.id, values)
    answer = reply.json()
    assert answer["response_action"] == "update" and answer["view"]["callback_id"] == "case_intake"
    warned = harness.fake.view(view.id).view
    text = all_text([_block(warned, "intake_achievable")])
    assert "earlier than the team can keep" in text and "supplier-delay from CN" in text
    assert harness.latest_case() is None
    # Nothing typed is lost: every field comes back as it was typed.
    assert _block(warned, "customer_name")["element"]["initial_value"] == "Northwind Traders"
    assert _block(warned, "notes")["element"]["initial_value"] == values["notes"]
    assert _block(warned, "new_date")["element"]["initial_date_time"] == int(tomorrow.timestamp())
    assert _block(warned, "cause")["element"]["initial_option"]["value"] == "supplier-delay"

    reply = harness.driver.submit(view.id)  # the same date again, as shown
    assert reply.json()["view"].get("callback_id") != "case_intake"
    case = harness.latest_case()
    assert case is not None and case.new_date == tomorrow
    overridden = [e for e in harness.events(case.id) if e.kind == "achievable_overridden"]
    assert len(overridden) == 1 and overridden[0].actor_id == ASSOCIATE
    assert overridden[0].data["achievable_source"] == "supplier-delay from CN: 7 days + 2 days' buffer"
    assert overridden[0].data["new_date"] == tomorrow.isoformat()


def test_a_different_earlier_date_after_the_warning_is_warned_about_again(harness: Harness) -> None:
    view = harness.open_intake()
    now = harness.clock.now()
    harness.driver.submit(view.id, {**harness.intake_values(), "origin": "CN", "new_date": now + timedelta(days=1)})
    new_date_block = _block(harness.fake.view(view.id).view, "new_date")["block_id"]
    reply = harness.driver.submit(view.id, {new_date_block: now + timedelta(days=2)})
    assert reply.json()["view"]["callback_id"] == "case_intake" and harness.latest_case() is None


# ---------------------------------------------------------------------- drafts and the tone check


def test_an_edited_draft_saying_tomorrow_against_a_date_a_week_away_gets_a_tone_hint(harness: Harness) -> None:
    from tests.test_draft_slack import DRAFT, body_of, element, open_draft

    week = harness.clock.now() + timedelta(days=7)
    case = harness.open_case(new_date=week)
    view = open_draft(harness, case)
    body_id, _ = element(view, "draft_body")
    edited = body_of(view) + "\nGood news: it will be with you tomorrow."
    harness.driver.click(ASSOCIATE, "draft_check_tone", view=view, typed={body_id: edited})
    view = harness.modal(DRAFT, until=lambda v: "A date the case doesn't say" in all_text(v.view["blocks"]))
    shown = all_text(view.view["blocks"])
    assert "“tomorrow” (Tue 24 Nov)" in shown and "new date is Mon 30 Nov" in shown
    assert body_of(view) == edited  # the typed text stays

    # The draft as written (the new date itself) raises nothing about dates.
    harness.driver.click(ASSOCIATE, "draft_check_tone", view=view, typed={body_id: edited.rsplit("\n", 1)[0]})
    view = harness.modal(DRAFT, until=lambda v: "A date the case doesn't say" not in all_text(v.view["blocks"]))
    assert "Mon 30 Nov" not in all_text(view.view["blocks"]) or "tomorrow" not in body_of(view)


def test_without_a_new_date_the_draft_states_the_achievable_date(harness: Harness) -> None:
    from tests.test_draft_slack import body_of, open_draft

    case = harness.open_case(new_date=None, origin="CN")
    assert case.new_date is None and case.achievable_date == in_nine_days(harness)
    view = open_draft(harness, case)
    script = body_of(view)
    assert "Wednesday 2 December" in script, script  # 7 days + 2 days' buffer from Mon 23 Nov
    assert "firm date" not in script
    assert "achievable <!date^" in all_text(view.view["blocks"]) and "supplier-delay from CN" in all_text(view.view["blocks"])


# ---------------------------------------------------------------------- where the achievable date shows


def test_the_case_message_and_the_home_show_the_achievable_date_next_to_the_promised_one(harness: Harness) -> None:
    from tests.test_home import open_home

    view = harness.open_intake()
    tomorrow = harness.clock.now() + timedelta(days=1)
    harness.driver.submit(view.id, {**harness.intake_values(), "origin": "CN", "new_date": tomorrow})
    harness.driver.submit(view.id)  # kept after the warning
    case = harness.latest_case()
    harness.fake.wait_for(lambda: harness.settled(case.id))
    case = harness.case(case.id)
    achievable = str(int(in_nine_days(harness).timestamp()))

    message = all_text(harness.case_message(case).blocks)
    assert "New date" in message and "Achievable" in message and ":warning: earlier than achievable" in message
    assert achievable in repr(harness.case_message(case).blocks)  # the date itself, as Slack shows dates
    assert "supplier-delay from CN: 7 days + 2 days' buffer" in message

    home = open_home(harness, ASSOCIATE)
    assert "new date" in home and ":warning: achievable" in home


@pytest.mark.parametrize(("text", "flagged"), [
    ("It will be with you tomorrow.", True),
    ("It will be with you today, I promise.", True),
    ("It will be with you on Friday 27 November.", True),   # earlier than the new date
    ("It will be with you on Nov 27th.", True),
    ("It will be with you on Monday 30 November.", False),  # the new date itself
    ("It didn't arrive on 24 Nov as we promised.", False),  # the original due date
    ("We'll have it by 4 December at the latest.", False),  # later: no second broken promise
    ("Our supplier is in Shenzhen.", False),
])
def test_dates_that_contradict_the_new_date(text: str, flagged: bool) -> None:
    from bot.drafting.dates import CaseDates, date_hints

    zone = configured().workspace.zone
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    dates = CaseDates(now + timedelta(days=7), zone, now, (datetime(2026, 11, 24, 17, 0, tzinfo=UTC),))
    assert bool(date_hints(text, dates)) is flagged
