"""What is on offer, end to end (signed requests, fake Slack): an approver's smaller amount is what the
thread, the case message and the draft offer; a second offer keeps the first visible, marked replaced;
the thread says who approved; recording the choice takes the final cost from the offer."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.offers.models import OfferState
from bot.settings import AmendsConfig
from tests.support import APPROVER, ASSOCIATE, MANAGER, Harness, all_text, configured
from tests.test_offers import (
    ask_for_approval,
    current,
    draft_body,
    offer,
    offers,
    open_choice,
    reply_view,
    request_dm,
)


@pytest.fixture
def config() -> AmendsConfig:
    return configured(offers={"approvers": {"users": [APPROVER, MANAGER]}, "escalate_after": "2h"})


def offer_notes(harness: Harness, case) -> list:  # noqa: ANN001
    return [m for m in harness.thread(case) if "a choice on" in m.text or "replaced by the offer" in m.text]


def open_draft(harness: Harness, case):  # noqa: ANN001, ANN201
    harness.driver.click(ASSOCIATE, "case_action:draft_message", message=harness.case_message(case))
    return harness.modal("draft_message")


def test_a_smaller_approved_amount_is_what_is_offered_shown_and_drafted(harness: Harness) -> None:
    # Asked: the upgrade (£192) or a loaner (£40), with store credit (£50): £242.
    case = ask_for_approval(harness)
    request = request_dm(harness, APPROVER)
    harness.driver.click(APPROVER, "offer_counter_open", message=request)
    modal = harness.modal("offer_counter", user=APPROVER)
    # An amount that leaves the customer nothing to take is refused where the approver typed it.
    reply = harness.driver.submit(modal.id, {"counter_amount": "60"})
    assert reply.json() == {"response_action": "errors", "errors": {"counter_amount": (
        "£60 covers none of the alternatives with the incentive (the cheapest needs £90). Approve at least that, "
        "or deny the offer.")}}
    reply = harness.driver.submit(modal.id, {"counter_amount": "100"})
    assert reply.json()["response_action"] == "update"

    # The associate sees the reduced amount, what it leaves out, and can choose again.
    notice = harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, "Your offer on"))[-1]
    shown = all_text(notice.blocks)
    assert "Offered at the approved £100" in shown
    assert "~Upgrade to an equal or better model, same price (£192)~ not offered" in shown
    assert "A loaner or demo unit until theirs arrives (£40, worth £150)" in shown
    assert "case_action:offer_alternatives" in str(notice.blocks)

    # The thread: the approved option, the amount, and who approved it.
    note = harness.fake.wait_for(lambda: offer_notes(harness, case))[-1]
    text = all_text(note.blocks)
    assert f"Approved by <@{APPROVER}> up to £100 (asked £242)" in text and "May cost £90" in text
    assert "~Upgrade" in text
    # The case message: what is on offer now.
    on_offer = harness.fake.wait_for(lambda: "*On offer*" in all_text(harness.case_message(case).blocks)
                                     and all_text(harness.case_message(case).blocks))
    assert "A loaner or demo unit until theirs arrives + Store credit" in on_offer
    assert "Upgrade" not in on_offer and "up to £100" in on_offer
    # The draft: only the approved option, and the modal says which offer, approved up to what.
    draft = open_draft(harness, case)
    assert (f"(Approved by <@{APPROVER}> up to £100 (asked £242)): A loaner or demo unit until theirs arrives."
            in all_text(draft.view["blocks"]))
    body = draft_body(draft)
    assert "a loan unit to use, free of charge, until yours arrives" in body
    assert "the next model up" not in body
    # Nor can the left-out upgrade be recorded as taken.
    view = open_choice(harness, case)
    options = [o["text"]["text"] for b in view.view["blocks"] if b.get("block_id") == "choice_alternative"
               for o in b["element"]["options"]]
    assert options == ["A loaner or demo unit until theirs arrives"]


def test_a_second_offer_keeps_the_first_visible_and_the_draft_names_the_current_one(harness: Harness) -> None:
    case = harness.open_case()
    offer(harness, case, ["expedite-on-arrival"], "free-shipping-next")
    first = harness.fake.wait_for(lambda: offer_notes(harness, case))[-1]
    assert "*Current offer*" in all_text(first.blocks)
    assert "no approval needed" in all_text(first.blocks)
    harness.driver.close(reply_view(harness))
    harness.clock.advance(timedelta(hours=1))
    offer(harness, case, ["loaner-unit"], "free-accessory")

    notes = harness.fake.wait_for(lambda: len(offer_notes(harness, case)) == 2 and offer_notes(harness, case))
    harness.fake.wait_for(lambda: "replaced by" in current(harness, notes[0]).text)
    earlier, newer = (current(harness, m) for m in notes)
    assert "replaced by the offer of" in earlier.text and "Express delivery as soon as stock arrives" in all_text(
        earlier.blocks)
    assert "case_action:record_choice" not in str(earlier.blocks)  # nothing to record against it now
    assert "*Current offer*, replacing the offer of" in all_text(newer.blocks)
    assert "A loaner or demo unit" in all_text(newer.blocks)

    made = offers(harness)
    assert [o.state for o in made] == [OfferState.SUPERSEDED, OfferState.OFFERED]
    events = harness.events(case.id)
    assert [e.data.get("offer_id") for e in events if e.kind == "offer_made"] == [made[0].id, made[1].id]
    assert [(e.data["offer_id"], e.data["replaced_by"]) for e in events if e.kind == "offer_replaced"] == [
        (made[0].id, made[1].id)]
    harness.fake.wait_for(lambda: "replaces 1 earlier offer" in all_text(harness.case_message(case).blocks))

    draft = open_draft(harness, case)
    said = all_text(draft.view["blocks"])
    assert "Drafted with the current offer, of" in said and f"by <@{ASSOCIATE}>" in said
    assert "A loaner or demo unit until theirs arrives." in said and "1 earlier offer, replaced, is left out" in said
    body = draft_body(draft)
    assert "a loan unit to use" in body and "free express delivery" not in body


def test_the_thread_says_who_approved(harness: Harness) -> None:
    case = ask_for_approval(harness)
    harness.driver.click(MANAGER, "offer_approve", message=request_dm(harness, MANAGER))
    note = harness.fake.wait_for(lambda: offer_notes(harness, case))[-1]
    assert f"Approved by <@{MANAGER}>." in all_text(note.blocks)


def test_recording_the_choice_takes_the_final_cost_from_the_offer(harness: Harness) -> None:
    case = harness.open_case()
    offer(harness, case, ["loaner-unit"], "free-shipping-next")
    view = open_choice(harness, case)
    cost = next(b for b in view.view["blocks"] if b.get("block_id") == "choice_final_cost")
    assert cost["element"]["initial_value"] == "50.00"  # the loaner £40 + free shipping £10

    other = harness.open_case(customer_name="Contoso Labs")
    offer(harness, other, ["loaner-unit", "expedite-on-arrival"], "free-shipping-next")
    view = open_choice(harness, other)
    cost = next(b for b in view.view["blocks"] if b.get("block_id") == "choice_final_cost")
    assert "initial_value" not in cost["element"]  # two alternatives: it depends on which they took
    assert "Express delivery as soon as stock arrives £35" in cost["hint"]["text"]
    [made] = [o for o in offers(harness) if o.case_id == other.id]
    express = next(i for i in made.items if i.catalog_id == "expedite-on-arrival")
    reply = harness.driver.submit(view.id, {"choice": "alternative", "choice_alternative": str(express.id)})
    assert reply.json()["response_action"] == "update"
    assert "Final cost £35" in all_text(harness.fake.view(view.id).view["blocks"])
    recorded = [e for e in harness.events(other.id) if e.kind == "choice_recorded"]
    assert recorded[-1].data["final_cost"] == "35.00"
    assert Decimal(recorded[-1].data["final_cost"]) == express.cost + Decimal("10")
