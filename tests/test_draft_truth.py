"""Drafts say only what the case's log supports: a table of recorded facts -> sentences present / absent,
for the three stories of issue #22, through signed requests and the strict fake Slack."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from bot.sandbox.fake_slack import ViewRecord
from tests.support import ASSOCIATE, Harness, all_text
from tests.test_draft_slack import body_label, body_of, open_draft, posted_drafts
from tests.test_playbooks import Checklist

DRAFT = "draft_message"

TV = dict(customer_name="Dana Whitfield", order_ref="SO-55120", promise="A 65-inch TV, wall-mounted",
          cause="stock-out", order_value="1299.00")
COPIER = dict(customer_name="Harbour Print Ltd", order_ref="SR-7702",
              promise="Repair of the copier in the print room, with the new fuser unit", cause="supplier-delay")
TRAINING = dict(customer_name="Okafor Legal", order_ref="TR-310",
                promise="Paid telephone training on the new case-management system", cause="force-majeure")


@dataclass(frozen=True)
class Story:
    label: str
    intake: dict[str, Any]
    checks: dict[str, str] = field(default_factory=dict)  # check id -> outcome recorded on the checklist
    escalate: bool = False
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()


NOTHING_CLAIMED = ("I've already", "checked every way", "I've told my manager", "I've also told my manager",
                   "look after your next order personally", "available now")

STORIES = [
    Story("phantom-stock TV: shelves and stores checked, manager alerted",
          {**TV, "cause_detail": "phantom-stock"},
          checks={"other-location": "tried", "physical-check": "tried", "competitor": "not_possible"},
          escalate=True,
          present=("not to be in stock, although our system showed them",
                   "I've already checked our other stores and warehouses and had the shelves checked by hand, "
                   "but none of it could save our original date. I've also told my manager."),
          absent=("tried to buy it from other suppliers", "checked every way")),
    Story("stock-out TV, not phantom stock, nothing recorded", TV,
          present=("not to be in stock.",),
          absent=("although our system showed them", *NOTHING_CLAIMED)),
    Story("copier part from abroad: express courier and engineers' spares tried, no escalation",
          {**COPIER, "cause_detail": "from-abroad"},
          checks={"express-part": "tried", "engineer-spare": "tried", "part-elsewhere": "not_possible"},
          present=("I've already asked for the part to be sent by express courier and asked our field engineers "
                   "for a spare, but none of it could save our original date.",),
          absent=("told my manager", "looked for the part at our other stores", "checked every way")),
    Story("telephone training, trainer's flight delayed: manager alerted, nothing else tried",
          {**TRAINING, "cause_detail": "travel-disrupted"}, escalate=True,
          present=("I've told my manager.",),
          absent=("I've already", "I've also told", "checked every way")),
]


def record(harness: Harness, story: Story) -> Any:
    case = harness.open_case(**story.intake)
    checklist = Checklist(harness, case.id)
    for check_id, outcome in story.checks.items():
        checklist.check(check_id, outcome)
    if story.escalate:
        checklist.escalate()
        harness.fake.wait_for(lambda: any(e.kind == "escalated" for e in harness.events(case.id)))
    return case


def draft_in(harness: Harness, view: ViewRecord, channel: str) -> ViewRecord:
    labels = {"phone": "Phone script", "email": "Email", "sms": "SMS or chat message"}
    if body_label(view) != labels[channel]:
        harness.driver.click(ASSOCIATE, "draft_channel", view=view, selected=channel)
        view = harness.modal(DRAFT, until=lambda v: body_label(v) == labels[channel])
    return view


@pytest.mark.parametrize("story", STORIES, ids=[s.label for s in STORIES])
def test_a_draft_says_what_the_case_log_records_and_nothing_else(harness: Harness, story: Story) -> None:
    case = record(harness, story)
    view = open_draft(harness, case)
    for channel in ("phone", "email"):
        view = draft_in(harness, view, channel)
        text = body_of(view)
        for sentence in story.present:
            assert sentence in text, (channel, sentence, text)
        for sentence in story.absent:
            assert sentence not in text, (channel, sentence, text)
        nothing_recorded = not story.checks and not story.escalate
        assert ("Doesn't say what has been done" in all_text(view.view["blocks"])) is nothing_recorded
    # The SMS says it in a few words, from the same log.
    sms = body_of(draft_in(harness, view, "sms"))
    tried = sum(1 for outcome in story.checks.values() if outcome == "tried")
    assert (f"I tried {tried} ways to keep it." in sms) is (tried > 1), sms
    assert ("I've told my manager." in sms) is (story.escalate and not tried), sms
    assert "tried every way" not in sms


def test_the_next_order_promise_is_made_only_when_the_associate_chooses_it(harness: Harness) -> None:
    case = harness.open_case(**TV)
    view = open_draft(harness, case)
    assert "look after your next order personally" not in body_of(view)
    harness.driver.click(ASSOCIATE, "draft_personal", view=view, selected=["personal"])
    view = harness.modal(DRAFT, until=lambda v: "look after your next order personally" in body_of(v))
    # It stays chosen in another channel, and goes when unticked.
    view = draft_in(harness, view, "email")
    assert "I'll look after your next order personally" in body_of(view)
    harness.driver.click(ASSOCIATE, "draft_personal", view=view, selected=[])
    view = harness.modal(DRAFT, until=lambda v: "look after" not in body_of(v) and "Dear" in body_of(v))


def test_an_update_says_what_was_done_since_the_customer_was_told(harness: Harness) -> None:
    case = harness.open_case(**TV)
    checklist = Checklist(harness, case.id)
    checklist.check("other-location", "tried")
    view = open_draft(harness, case)  # the first notice, sent and marked so
    harness.driver.submit(view.id)
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=posted)
    harness.fake.wait_for(lambda: harness.case(case.id).customer_contacted_at)
    harness.clock.advance(timedelta(hours=2))
    view = open_draft(harness, case)
    assert "before you have to ask" in body_of(view) and "Since we last spoke" not in body_of(view)
    checklist.check("special-order", "tried")
    harness.fake.close_view(view.id)
    view = open_draft(harness, case)
    text = body_of(view)
    assert "Since we last spoke, I've also asked our supplier for an express shipment." in text
    assert "checked our other stores" not in text  # said in the first notice already


def test_offered_alternatives_are_said_in_their_own_words_once(harness: Harness) -> None:
    """The catalog's words carry the price terms: nothing appended ("..., at the same price"), and the
    shipped upgrade claims no availability ("available now") the catalog cannot know."""
    case = harness.open_case(**{**TV, "order_value": "1000.00"})
    view = harness.driver.click(ASSOCIATE, "case_action:offer_alternatives", message=harness.case_message(case))
    view = harness.modal("offer_alternatives")
    harness.driver.submit(view.id, {"offer_alternatives": ["upgrade-same-price", "loaner-unit"],
                                    "offer_incentive": "free-accessory"})
    harness.fake.wait_for(lambda: any(e.kind == "offer_made" for e in harness.events(case.id)))
    text = body_of(open_draft(harness, case))
    assert "- You can take the next model up, at the price you agreed.\n" in text
    assert "- You can take a loan unit to use, free of charge, until yours arrives.\n" in text
    assert "at the same price" not in text and "available now" not in text
    # The promise reads as part of the sentence: "A 65-inch TV" was typed with a capital.
    assert "It's about your order SO-55120, a 65-inch TV, wall-mounted." in text
    # The promised date is said once, not "before Tuesday ...: it won't arrive on Tuesday ...".
    assert "I wanted you to hear this from me before it happens: it won't arrive on" in text
