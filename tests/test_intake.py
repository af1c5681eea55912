"""Opening a case with /recover, end to end through the bot's HTTP endpoint and the fake Slack."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from bot.cases.models import CaseStatus
from tests.support import ASSOCIATE, CASES_CHANNEL, COLLEAGUE, MANAGER, Harness, all_text


def test_recover_opens_the_intake_modal(harness: Harness) -> None:
    reply = harness.command("")
    assert reply.status == 200
    view = harness.fake.wait_for(lambda: harness.fake.open_view(ASSOCIATE))
    assert view.view["title"]["text"] == "A promise is at risk"
    block_ids = [b.get("block_id") for b in view.view["blocks"]]
    for field in ["customer_name", "customer_contact", "order_ref", "promise", "promised_at", "cause",
                  "new_date", "order_value", "customer_tier", "notes"]:
        assert field in block_ids
    cause = next(b for b in view.view["blocks"] if b.get("block_id") == "cause")
    labels = [o["text"]["text"] for o in cause["element"]["options"]]
    assert labels == ["Stock-out", "Supplier delay", "Carrier or logistics", "Capacity or staffing",
                      "Quality or defect", "System error", "Weather or force majeure", "Other"]


def test_free_text_is_prefilled_as_notes(harness: Harness) -> None:
    view = harness.open_intake("chairs stuck at the port, customer expects them Friday")
    notes = next(b for b in view.view["blocks"] if b.get("block_id") == "notes")
    assert notes["element"]["initial_value"] == "chairs stuck at the port, customer expects them Friday"


def test_submitting_saves_posts_and_alerts_the_manager(harness: Harness) -> None:
    case = harness.open_case()

    assert case.ref == "AM-1"
    assert case.status == CaseStatus.OPEN
    assert case.customer_name == "Northwind Traders"
    assert case.order_value == Decimal("2400.00")
    assert case.owner_id == ASSOCIATE
    assert case.promised_at.tzinfo is not None
    # Due within 24 h (+2), order value >= 1000 (+1), preferred tier (+1): 4 points.
    assert case.severity == "high"

    post = harness.case_message(case)
    assert post.channel == CASES_CHANNEL
    shown = all_text(post.blocks, post.text)
    for expected in ["AM-1", "Northwind Traders", "12 office chairs", "Supplier delay", "high", f"<@{ASSOCIATE}>"]:
        assert expected in shown
    assert "+44 20" not in shown  # the customer's contact stays out of the team channel

    ping = harness.fake.wait_for(lambda: harness.thread(case))
    assert f"<@{MANAGER}>" in ping[0].text and "AM-1" in ping[0].text

    dm = harness.fake.wait_for(lambda: harness.fake.dms(ASSOCIATE))
    assert "AM-1" in dm[-1].text and case.permalink in all_text(dm[-1].blocks)
    assert [e.kind for e in harness.events(case.id)][:3] == ["opened", "playbook_attached", "posted"]


def test_the_modal_confirms_with_the_case_reference(harness: Harness) -> None:
    view = harness.open_intake()
    harness.driver.submit(view.id, harness.intake_values())
    shown = all_text(harness.fake.view(view.id).view["blocks"])
    assert "AM-1" in shown


def test_list_shows_the_callers_open_cases_only(harness: Harness) -> None:
    first = harness.open_case(customer_name="Contoso")
    second = harness.open_case(customer_name="Fabrikam", promised_at=harness.clock.now() + timedelta(days=9))
    harness.open_case(user=COLLEAGUE, customer_name="Someone Else Ltd")

    harness.command("list")
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    shown = all_text(answer.blocks, answer.text)
    assert first.ref in shown and second.ref in shown
    assert shown.index("Contoso") < shown.index("Fabrikam")  # due soonest first
    assert "Someone Else" not in shown


def test_list_with_no_cases_says_how_to_start(harness: Harness) -> None:
    harness.command("list")
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "no open cases" in answer.text and "/recover" in answer.text
