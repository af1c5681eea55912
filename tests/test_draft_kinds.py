"""A service (a missed paid training) and a visit (a copier repair waiting for a part) get their own
playbook, alternatives and words: asked or inferred at intake, correctable in the draft, never worded as a
delivery. Through signed requests and the strict fake Slack."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.playbooks.models import CasePlaybook
from tests.support import ASSOCIATE, Harness, all_text
from tests.test_draft_slack import body_of, open_draft
from tests.test_draft_truth import COPIER, TRAINING, draft_in
from tests.test_playbooks import Checklist

DELIVERY = re.compile(r"\b(?:deliver\w*|arriv\w*|ship\w*|parcel|courier|in transit|in stock|loan(?:er)? unit|"
                      r"express|your order|the order|next order)\b", re.IGNORECASE)


def playbook_of(harness: Harness, case_id: int) -> str:
    with harness.amends.db.transaction() as session:
        return session.scalar(select(CasePlaybook.playbook_id).where(CasePlaybook.case_id == case_id))


def offer_choices(harness: Harness, case) -> str:
    harness.driver.click(ASSOCIATE, "case_action:offer_alternatives", message=harness.case_message(case))
    view = harness.modal("offer_alternatives")
    harness.fake.close_view(view.id)
    return all_text(view.view["blocks"])


def test_a_missed_training_is_a_service_from_intake_to_every_draft(harness: Harness) -> None:
    case = harness.open_case(**{**TRAINING, "cause_detail": "travel-disrupted"})  # kind not given: inferred
    assert case.promise_kind == "service"
    assert playbook_of(harness, case.id) == "missed-service"  # not late-delivery, although force majeure
    checklist = Checklist(harness, case.id)
    assert "Try to still hold the session as agreed" in checklist.text()
    offered = offer_choices(harness, case)
    assert "A new session at the time the customer prefers" in offered and "A recording of the session" in offered
    assert "loaner" not in offered.lower() and "Express delivery" not in offered

    checklist.check("other-person", "tried")
    view = open_draft(harness, case)
    for channel in ("phone", "email", "sms"):
        view = draft_in(harness, view, channel)
        text = body_of(view)
        assert not DELIVERY.search(text), (channel, DELIVERY.search(text)[0], text)
        assert "TR-310" in text
    phone = body_of(draft_in(harness, view, "phone"))
    assert "It's about your booking TR-310, paid telephone training on the new case-management system." in phone
    assert "the person who was to lead it couldn't travel" in phone
    assert "I've already asked our other trainers whether one of them could lead it" in phone


def test_a_copier_repair_waiting_for_a_part_is_a_visit(harness: Harness) -> None:
    case = harness.open_case(**{**COPIER, "cause_detail": "from-abroad"})
    assert (case.promise_kind, playbook_of(harness, case.id)) == ("visit", "field-visit")
    assert "A loan machine until the repair is done" in offer_choices(harness, case)
    Checklist(harness, case.id).check("express-part", "tried")
    text = body_of(draft_in(harness, open_draft(harness, case), "email"))
    assert text.startswith("Dear Harbour Print Ltd,")
    assert "your repair visit SR-7702" in text and "the part needed for the repair is coming from abroad" in text
    assert "I've already asked for the part to be sent by express courier" in text
    assert not re.search(r"\b(?:deliver\w*|arriv\w*|your order)\b", text, re.I), text


def test_the_kind_is_asked_at_intake_and_corrected_in_the_draft(harness: Harness) -> None:
    # Asked: a promise whose words say nothing of a session is a service when the associate says so.
    case = harness.open_case(promise="Quarterly compliance review with your accountant", promise_kind="service")
    assert case.promise_kind == "service"
    # Inferred as a visit ("installation"), then corrected: the wording follows at once.
    case = harness.open_case(promise="Installation of a 65-inch TV", order_ref="SO-55121")
    assert case.promise_kind == "visit"
    view = open_draft(harness, case)
    assert "your repair visit SO-55121" in body_of(view)
    harness.driver.click(ASSOCIATE, "draft_kind", view=view, selected="goods")
    view = harness.modal("draft_message", until=lambda v: "your order SO-55121" in body_of(v))
    assert harness.case(case.id).promise_kind == "goods"
    [changed] = [e for e in harness.events(case.id) if e.kind == "promise_kind_changed"]
    assert (changed.actor_id, changed.data) == (ASSOCIATE, {"previous": "visit", "promise_kind": "goods"})
