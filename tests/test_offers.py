"""Offers end to end, through signed requests and the strict fake Slack: the offer modal with the case's
budget, offers within the associate's limit, approvals (granted, denied, another amount, refused to
non-approvers, one decision under concurrent clicks), escalation of an undecided request, and the
customer's choice. The default case: supplier delay, order £2,400, preferred customer, promised in 20 h,
new date in 4 days (3 days 4 hours late): budget £100 × 1.5 × 1.5 = £225."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.cases.models import Case
from bot.offers.models import Offer, OfferState
from bot.playbooks.models import StepProgress
from bot.sandbox.fake_slack import Message, ViewRecord
from bot.settings import AmendsConfig
from tests.support import APPROVER, ASSOCIATE, CASES_CHANNEL, MANAGER, Harness, all_text

OFFER = "offer_alternatives"
CHOICE = "record_choice"


@pytest.fixture
def config() -> AmendsConfig:
    return AmendsConfig.model_validate({
        "workspace": {"timezone": "Europe/London", "currency": "GBP"},
        "cases": {"channel": CASES_CHANNEL, "id_prefix": "AM"},
        "managers": {"users": [MANAGER]},
        "offers": {"approvers": {"users": [APPROVER, MANAGER]}, "escalate_after": "2h"},
    })


def open_offer(harness: Harness, case: Case, user: str = ASSOCIATE) -> ViewRecord:
    harness.driver.click(user, f"case_action:{OFFER}", message=harness.case_message(case))
    return harness.modal(OFFER, user=user)


def offers(harness: Harness) -> list[Offer]:
    with harness.amends.db.transaction() as session:
        found = list(session.scalars(select(Offer).order_by(Offer.id)))
        for offer in found:
            list(offer.items)
        return found


def step_status(harness: Harness, case: Case, step_id: str) -> str:
    with harness.amends.db.transaction() as session:
        return session.scalar(select(StepProgress.status).where(StepProgress.case_id == case.id,
                                                                StepProgress.step_id == step_id))


def kinds(harness: Harness, case: Case) -> list[str]:
    return [e.kind for e in harness.events(case.id)]


def offer(harness: Harness, case: Case, alternatives: list[str], incentive: str, note: str | None = None) -> Any:
    view = open_offer(harness, case)
    values: dict[str, Any] = {"offer_alternatives": alternatives, "offer_incentive": incentive}
    if note:
        values["offer_note"] = note
    return view, harness.driver.submit(view.id, values)


def request_dm(harness: Harness, user: str) -> Message:
    return harness.fake.wait_for(lambda: harness.dms_containing(user, "Approval needed"))[-1]


def draft_body(view: ViewRecord) -> str:
    return next(b["element"].get("initial_value", "") for b in view.view["blocks"]
                if b.get("block_id", "").startswith("draft_body"))


def current(harness: Harness, message: Message) -> Message:
    found = harness.fake.message(message.channel, message.ts)
    assert found is not None
    return found


BIG = (["upgrade-same-price", "loaner-unit"], "store-credit")  # upgrade 8% of £2,400 = £192 > £100; credit £50 > £25


def ask_for_approval(harness: Harness) -> Case:
    case = harness.open_case()
    _, reply = offer(harness, case, *BIG, note="Key long-term customer; they ordered <b>twice</b> this year")
    assert "Sent for approval" in all_text(harness.fake.view(reply_view(harness)).view["blocks"])
    return case


def reply_view(harness: Harness) -> str:
    view = harness.fake.open_view(ASSOCIATE)
    assert view is not None
    return view.id


# ---------------------------------------------------------------------- the budget


def test_the_offer_modal_shows_the_budget_with_its_reasoning_and_ranked_alternatives(harness: Harness) -> None:
    case = harness.open_case()
    view = open_offer(harness, case)
    shown = all_text(view.view["blocks"])
    assert "*Budget for this case: £225*" in shown
    assert "£100 to win a new customer (£5,000 marketing ÷ 50 new customers)" in shown
    assert "× 1.5 for a Preferred customer" in shown
    assert "× 1.5 for a delay of 3 days 4 hours (3 days or more)" in shown

    alternatives = next(b for b in view.view["blocks"] if b.get("block_id") == "offer_alternatives")["element"]
    ranked = [o["value"] for o in alternatives["options"]]
    # Made for supplier delays first; within the associate's limit first; then value for each unit of cost.
    assert ranked == ["loaner-unit",            # £40 for £150 of value to them (3.75 a pound)
                      "partial-shipment",       # £20 for £35 (1.75)
                      "expedite-on-arrival",    # £25 for £40 (1.6)
                      "upgrade-same-price",     # needs approval: £192 (8%) for £480 (20%)
                      "source-elsewhere",       # needs approval: £288 (12%) for £100
                      "cancel-refund-goodwill"]  # fits any cause, so after those made for supplier delays
    loaner = alternatives["options"][0]["description"]["text"]
    assert loaner == "Costs £40 · worth £150 to them · within your limit"
    upgrade = next(o for o in alternatives["options"] if o["value"] == "upgrade-same-price")
    assert upgrade["description"]["text"] == "Costs £192 · worth £480 to them · needs approval"


def test_budget_worked_examples(harness: Harness) -> None:
    """budget = marketing spend / new customers × tier × delay (defaults: 5000 / 50; standard 1, preferred
    1.5, key 3; 1 day late 1.25, 3 days 1.5, 7 days 2)."""
    from datetime import timedelta

    from bot.offers.budget import budget_for

    now = harness.clock.now()
    config = harness.amends.config

    def budget(tier: str, promised_in: timedelta, new_in: timedelta | None) -> Decimal:
        case = Case(customer_tier=tier, promised_at=now + promised_in, new_date=now + new_in if new_in else None)
        return budget_for(case, config, now).amount

    # A standard customer, new date 10 hours after the promise: 100 × 1 × 1 = 100.
    assert budget("standard", timedelta(days=2), timedelta(days=2, hours=10)) == Decimal("100.00")
    # A preferred customer, promise 2 days overdue and no new date: 100 × 1.5 × 1.25 = 187.50.
    assert budget("preferred", -timedelta(days=2), None) == Decimal("187.50")
    # A key account, 8 days late: 100 × 3 × 2 = 600.
    assert budget("key", timedelta(days=1), timedelta(days=9)) == Decimal("600.00")
    # Another team's rules: 12,000 / 80 = 150 to win a customer; key × 2.5; 2 days late × 1.2: 450.
    custom = config.model_copy(update={"offers": config.offers.model_validate({"budget": {
        "marketing_spend": 12000, "new_customers": 80, "tiers": {"key": 2.5},
        "delay": [{"after": "2d", "times": 1.2}]}})})
    case = Case(customer_tier="key", promised_at=now, new_date=now + timedelta(days=2))
    assert budget_for(case, custom, now).amount == Decimal("450.00")


# ---------------------------------------------------------------------- within the associate's limit


def test_an_offer_within_the_limit_is_recorded_at_once(harness: Harness) -> None:
    case = harness.open_case()
    assert "Offer alternatives" in all_text(harness.case_message(case).blocks)
    view, reply = offer(harness, case, ["expedite-on-arrival", "loaner-unit"], "free-shipping-next")
    assert reply.json()["response_action"] == "update"
    done = all_text(harness.fake.view(view.id).view["blocks"])
    assert "Recorded as offered on AM-1" in done and "It may cost £50 of the £225 budget" in done

    [made] = offers(harness)
    assert made.state == OfferState.OFFERED and made.exposure == Decimal("50.00")  # dearest (40) + incentive (10)
    assert [i.catalog_id for i in made.items] == ["expedite-on-arrival", "loaner-unit", "free-shipping-next"]
    note = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "offered" in m.text])[-1]
    assert "Express delivery as soon as stock arrives" in all_text(note.blocks)
    assert "offer_made" in kinds(harness, case)
    harness.fake.wait_for(lambda: step_status(harness, case, "find-alternatives") == "done")
    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "recovery checklist: 1 of" in m.text])

    # The first notice now names the options and the incentive.
    harness.driver.click(ASSOCIATE, "case_action:draft_message", message=harness.case_message(case))
    draft = harness.modal("draft_message")
    text = draft_body(draft)
    assert "a loan unit to use, free of charge, until yours arrives" in text and "free delivery on your next order" in text


def test_the_offer_form_refuses_none_too_many_and_no_incentive(harness: Harness) -> None:
    case = harness.open_case()
    view = open_offer(harness, case)
    reply = harness.driver.submit(view.id, {"offer_alternatives": [], "offer_incentive": None})
    errors = reply.json()["errors"]
    assert errors["offer_alternatives"] == "Pick at least one alternative for the customer to choose from."
    assert errors["offer_incentive"] == "Pick an incentive: it is what makes taking an alternative worth it."
    reply = harness.driver.submit(view.id, {"offer_alternatives": ["loaner-unit", "expedite-on-arrival",
                                                                   "partial-shipment", "source-elsewhere"],
                                            "offer_incentive": "free-accessory"})
    assert reply.json()["errors"]["offer_alternatives"].startswith("Pick at most 3")
    assert offers(harness) == []
