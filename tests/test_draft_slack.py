"""Drafting end to end, through signed requests and the strict fake Slack: draft, edit, save, mark as sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.drafting.models import Draft
from bot.playbooks.models import CasePlaybook
from bot.sandbox.fake_slack import Message, ViewRecord
from bot.settings import AmendsConfig
from tests.support import ASSOCIATE, CASES_CHANNEL, COLLEAGUE, MANAGER, Harness, all_text, pings
from tests.test_playbooks import Checklist

DRAFT = "draft_message"


def element(view: ViewRecord, prefix: str) -> tuple[str, dict[str, Any]]:
    """(block_id, element) of the modal's input whose block id starts with `prefix`."""
    for block in view.view["blocks"]:
        if block.get("type") == "input" and block["block_id"].startswith(prefix):
            return block["block_id"], block["element"]
    raise LookupError(prefix)


def body_of(view: ViewRecord) -> str:
    return element(view, "draft_body")[1].get("initial_value", "")


def body_label(view: ViewRecord) -> str:
    return next(b["label"]["text"] for b in view.view["blocks"] if b.get("block_id", "").startswith("draft_body"))


def open_draft(harness: Harness, case: Any, user: str = ASSOCIATE) -> ViewRecord:
    harness.driver.click(user, f"case_action:{DRAFT}", message=harness.case_message(case))
    return harness.modal(DRAFT, user=user)


def posted_drafts(harness: Harness, case: Any) -> list[Message]:
    return [m for m in harness.thread(case) if "ready to copy" in m.text]


def drafts(harness: Harness) -> list[Draft]:
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(Draft).order_by(Draft.id)))


def test_draft_edit_save_and_mark_as_sent(harness: Harness) -> None:
    case = harness.open_case()
    assert "Draft message" in all_text(harness.case_message(case).blocks)
    Checklist(harness, case.id).check("expedite", "tried")  # what the draft says was done

    # The first draft is the first notice, as a phone script: a call beats an email.
    view = open_draft(harness, case)
    script = body_of(view)
    assert body_label(view) == "Phone script"
    assert "Northwind Traders" in script and "I wanted you to hear this from me" in script
    assert "Ada" in script and "+44 20 7946 0123" in script  # the associate's name and direct line
    assert "I've already asked for an express shipment" in script
    assert "Tone check: nothing to flag" in all_text(view.view["blocks"])

    # Switch to email: a subject and a body, rendered afresh.
    harness.driver.click(ASSOCIATE, "draft_channel", view=view, selected="email")
    view = harness.modal(DRAFT, until=lambda v: any(b["block_id"].startswith("draft_subject")
                                                    for b in v.view["blocks"] if b["type"] == "input"))
    subject_id, subject = element(view, "draft_subject")
    body_id, body = element(view, "draft_body")
    assert subject["initial_value"] == "Your order SO-18342: a change to your delivery, and your options"
    assert body["initial_value"].startswith("Dear Northwind Traders,")

    # The associate edits; the tone check reads the edit.
    edited = body["initial_value"].replace("It will be with you on", "It is guaranteed to be with you on")
    harness.driver.click(ASSOCIATE, "draft_check_tone", view=view, typed={body_id: edited})
    view = harness.modal(DRAFT, until=lambda v: "Promises what we don't control" in all_text(v.view["blocks"]))
    assert "“guaranteed”" in all_text(view.view["blocks"])
    assert body_of(view) == edited  # the typed text stays

    # Saving is never blocked by a hint; the saved view repeats them.
    reply = harness.driver.submit(view.id, {subject_id: subject["initial_value"], body_id: edited})
    assert reply.json()["response_action"] == "update"
    saved = harness.fake.view(view.id)
    assert "Saved on *AM-1*" in all_text(saved.view["blocks"])
    assert "Promises what we don't control" in all_text(saved.view["blocks"])

    # The draft is stored on the case and posted in its thread, ready to copy.
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    shown = all_text(posted.blocks)
    assert "*Subject:* Your order SO-18342" in shown
    assert "```\nDear Northwind Traders," in shown and "It is guaranteed to be with you on" in shown
    assert "(edited)" in shown and "Tone hints: Promises what we don't control" in shown
    [draft] = drafts(harness)
    assert (draft.channel, draft.template, draft.edited, draft.body) == ("email", "first_notice", True, edited)
    assert [h["rule"] for h in draft.hints] == ["overpromise"]
    harness.fake.wait_for(lambda: drafts(harness)[0].posted_ts == posted.ts)

    # Mark as sent: the case records the customer contact, the message shows who sent it.
    harness.driver.click(COLLEAGUE, "draft_mark_sent", message=posted)
    harness.fake.wait_for(lambda: "Sent by" in all_text(harness.fake.message(CASES_CHANNEL, posted.ts).blocks))
    updated = harness.fake.message(CASES_CHANNEL, posted.ts)
    assert f"Sent by <@{COLLEAGUE}>" in all_text(updated.blocks) and "draft_mark_sent" not in str(updated.blocks)
    assert harness.case(case.id).customer_contacted_at == harness.clock.now()
    contacts = [e for e in harness.events(case.id) if e.kind == "customer_contacted"]
    assert [(e.actor_id, e.data) for e in contacts] == [(COLLEAGUE, {"channel": "email"})]
    # The playbook's "Contact the customer now" step is done by it, and the checklist shows so.
    harness.fake.wait_for(lambda: ":white_check_mark:" in checklist_step(harness, case.id, "contact-customer"))

    # A second click (an old copy of the message, a double click) changes nothing and says why.
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=posted)
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert f"already marked as sent by <@{COLLEAGUE}>" in answer.text
    assert len([e for e in harness.events(case.id) if e.kind == "customer_contacted"]) == 1


def test_an_unchanged_sms_is_saved_as_drafted_and_the_next_draft_is_a_status_update(harness: Harness) -> None:
    case = harness.open_case()
    view = open_draft(harness, case)
    harness.driver.click(ASSOCIATE, "draft_channel", view=view, selected="sms")
    view = harness.modal(DRAFT, until=lambda v: body_label(v) == "SMS or chat message")
    assert "with a heads-up" in body_of(view) and len(body_of(view)) <= 320
    harness.driver.submit(view.id)
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    assert "(edited)" not in all_text(posted.blocks) and drafts(harness)[0].edited is False
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=posted)
    harness.fake.wait_for(lambda: harness.case(case.id).customer_contacted_at)

    # The customer has heard from us: next comes a status update, by the channel last used.
    harness.fake.close_view(view.id)
    view = open_draft(harness, case)
    assert "before you have to ask" in body_of(view) and body_label(view) == "SMS or chat message"
    chosen = next(b for b in view.view["blocks"] if b.get("block_id") == "draft_pick")["elements"][1]
    assert chosen["initial_option"]["value"] == "status_update"


def test_picking_another_template_replaces_the_draft(harness: Harness) -> None:
    case = harness.open_case()
    view = open_draft(harness, case)
    harness.driver.click(ASSOCIATE, "draft_template", view=view, selected="cancellation")
    view = harness.modal(DRAFT, until=lambda v: "I've cancelled your order" in body_of(v))
    assert element(view, "draft_body")[0] == "draft_body.1"  # new ids, so Slack shows the new text


def test_an_empty_draft_is_refused_on_the_field(harness: Harness) -> None:
    case = harness.open_case()
    view = open_draft(harness, case)
    body_id, _ = element(view, "draft_body")
    reply = harness.driver.submit(view.id, {body_id: "   "})
    assert reply.json() == {"response_action": "errors",
                            "errors": {body_id: "Write the message before saving (or pick a template to start from)."}}
    assert drafts(harness) == []


def test_hostile_fields_are_shown_as_typed_and_ping_nobody(harness: Harness) -> None:
    case = harness.open_case(customer_name="<!here> {{ 7*7 }} {% import os %} שלום", order_ref="<@U0MANAGER1>")
    view = open_draft(harness, case)
    script = body_of(view)
    assert "<!here> {{ 7*7 }} {% import os %} שלום" in script and "49" not in script
    harness.driver.submit(view.id)
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    assert not [p for p in pings(posted.blocks, posted.text) if "here" in p or MANAGER in p]
    assert "&lt;!here&gt; {{ 7*7 }} {% import os %} שלום" in all_text(posted.blocks)


def test_reminder_update_sent_opens_the_status_update(harness: Harness) -> None:
    from datetime import UTC, datetime

    case = harness.open_case()
    harness.tick(datetime(2026, 11, 23, 13, tzinfo=UTC))
    reminder = harness.dms_containing(ASSOCIATE, "Time to update")[-1]
    harness.driver.click(ASSOCIATE, "reminder_update_sent", message=reminder)
    view = harness.modal(DRAFT)
    assert "here's where things stand before you have to ask" in body_of(view)
    assert case.ref in all_text(view.view["blocks"])


def test_edit_reopens_the_saved_text_and_retires_the_old_copys_buttons(harness: Harness) -> None:
    case = harness.open_case()
    view = open_draft(harness, case)
    body_id, _ = element(view, "draft_body")
    harness.driver.submit(view.id, {body_id: "Hello Northwind, my own words."})
    old = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    harness.driver.click(ASSOCIATE, "draft_edit", message=old)
    view = harness.modal(DRAFT, until=lambda v: body_of(v) == "Hello Northwind, my own words.")
    body_id, _ = element(view, "draft_body")
    harness.driver.submit(view.id, {body_id: "Hello Northwind, my own better words."})
    new = harness.fake.wait_for(lambda: len(posted_drafts(harness, case)) == 2 and posted_drafts(harness, case))[-1]
    assert [d.body for d in drafts(harness)] == ["Hello Northwind, my own words.",
                                                 "Hello Northwind, my own better words."]

    # The old copy says it was replaced and has no buttons left; the new one has them.
    retired = harness.fake.wait_for(lambda: (m := harness.fake.message(old.channel, old.ts)) and
                                    "Replaced by the edited draft" in all_text(m.blocks) and m)
    assert "draft_mark_sent" not in str(retired.blocks) and "draft_edit" not in str(retired.blocks)
    assert "draft_mark_sent" in str(new.blocks)

    # A click on the old copy as it was still shown elsewhere records nothing and says why.
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=old)
    harness.fake.wait_for(lambda: [e for e in harness.fake.ephemerals(ASSOCIATE) if "replaced" in e.text])
    assert "customer_contacted" not in [e.kind for e in harness.events(case.id)]
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=new)
    harness.fake.wait_for(lambda: "customer_contacted" in [e.kind for e in harness.events(case.id)])


class TestWithABrokenTeamTemplate:
    @pytest.fixture
    def config(self, config: AmendsConfig, tmp_path: Path) -> AmendsConfig:
        folder = tmp_path / "team"
        folder.mkdir()
        (folder / "first_notice.phone.j2").write_text("Hello\n{{ customer.nmae }}")
        return config.model_copy(update={"drafting": config.drafting.model_copy(update={"templates": folder})})

    def test_the_modal_still_opens_says_what_to_do_and_other_templates_work(self, harness: Harness) -> None:
        case = harness.open_case()
        view = open_draft(harness, case)
        shown = all_text(view.view["blocks"])
        assert "The phone script template “First notice” has a problem" in shown
        assert "first_notice.phone.j2:2: customer has no attribute 'nmae'" in shown and "amends check" in shown
        assert body_of(view) == ""
        harness.driver.click(ASSOCIATE, "draft_channel", view=view, selected="email")
        view = harness.modal(DRAFT, until=lambda v: body_of(v).startswith("Dear Northwind Traders"))
        assert "has a problem" not in all_text(view.view["blocks"])


def test_other_areas_open_a_draft_and_without_a_thread_it_comes_by_dm(harness: Harness) -> None:
    from bot.slack.drafting import open_draft_modal
    from bot.slack.metadata import Seal, bind_seal

    harness.fake.channels[CASES_CHANNEL].members.discard(harness.fake.bot_user_id)  # the case can't be posted
    case = harness.open_case(wait_posted=False)
    harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, "couldn't post it"))
    # As from an interaction of Ada's: the modal's metadata is sealed for her (bot/slack/view_guard.py).
    guard = harness.amends.wiring.surface.view_guard
    bind_seal(Seal(guard.key, ASSOCIATE))
    try:
        open_draft_modal(harness.amends.client, harness.amends.wiring, case.id,
                         harness.fake.issue_trigger(ASSOCIATE), "delivered")
    finally:
        bind_seal(None)
    view = harness.modal(DRAFT)
    assert "has been delivered" in body_of(view) and "Ada" in body_of(view)  # signed by the case owner
    harness.driver.submit(view.id)
    assert "your DMs with me" in all_text(harness.fake.view(view.id).view["blocks"])
    dm = harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, "ready to copy"))[-1]
    # The DM's ts is recorded just after it is posted; a click in between finds nothing to refresh.
    harness.fake.wait_for(lambda: _draft_posted_at(harness, dm.ts))
    harness.driver.click(ASSOCIATE, "draft_mark_sent", message=dm)
    harness.fake.wait_for(lambda: harness.case(case.id).customer_contacted_at)
    harness.fake.wait_for(lambda: "Called by" in all_text(harness.fake.message(dm.channel, dm.ts).blocks))


def _draft_posted_at(harness: Harness, ts: str) -> bool:
    with harness.amends.db.transaction() as session:
        return session.scalar(select(Draft.id).where(Draft.posted_ts == ts)) is not None


def test_mark_as_sent_between_posting_and_saving_the_post_still_shows(harness: Harness,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A click on "Mark as sent" that lands while the draft's position is being saved is not lost."""
    from bot.drafting import service

    real_record_posted = service.record_posted

    def click_lands_first(session: Any, draft_id: int, **kwargs: Any) -> Draft:
        # The race: the colleague's click commits just before the post's position does, so the click
        # found no message to update.
        with harness.amends.db.transaction() as other:
            service.mark_sent(other, draft_id, actor_id=COLLEAGUE, now=harness.clock.now(),
                              lifecycle=harness.amends.lifecycle)
        return real_record_posted(session, draft_id, **kwargs)

    monkeypatch.setattr(service, "record_posted", click_lands_first)
    case = harness.open_case()
    view = open_draft(harness, case)
    harness.driver.submit(view.id, {})
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    harness.fake.wait_for(lambda: "Called by" in all_text(harness.fake.message(CASES_CHANNEL, posted.ts).blocks)
                          or "Sent by" in all_text(harness.fake.message(CASES_CHANNEL, posted.ts).blocks))


def checklist_step(harness: Harness, case_id: int, step_id: str) -> str:
    """The line of a step on the case's checklist message, as Slack shows it."""
    with harness.amends.db.transaction() as session:
        row = session.get(CasePlaybook, case_id)
        assert row is not None
        channel, ts = row.channel_id, row.message_ts
    message = harness.fake.message(channel, ts)
    return next(b["text"]["text"] for b in message.blocks
                if b.get("type") == "section" and f'"step_id":"{step_id}"' in b.get("block_id", ""))


def test_the_draft_starts_on_a_channel_the_customers_contact_allows_and_warns_otherwise(harness: Harness) -> None:
    # A phone number: an email drafted once (say, by mistake) is not what the next draft starts from.
    phoned = harness.open_case(customer_contact="+44 20 7946 0000")
    view = open_draft(harness, phoned)
    assert body_label(view) == "Phone script" and "can't reach" not in all_text(view.view["blocks"])
    harness.driver.click(ASSOCIATE, "draft_channel", view=view, selected="email")
    view = harness.modal(DRAFT, until=lambda v: body_label(v) == "Email")
    warning = all_text(view.view["blocks"])
    assert "Northwind Traders's contact is a phone number (+44 20 7946 0000): an email can't reach it" in warning
    subject_id, subject = element(view, "draft_subject")
    body_id, body = element(view, "draft_body")
    harness.driver.submit(view.id, {subject_id: subject["initial_value"], body_id: body["initial_value"]})
    harness.fake.wait_for(lambda: posted_drafts(harness, phoned))
    assert body_label(open_draft(harness, phoned)) == "Phone script"

    # An email address only: the first draft is an email, not a phone script.
    emailed = harness.open_case(customer_name="Fabrikam", customer_contact="orders@fabrikam.example")
    view = open_draft(harness, emailed)
    assert body_label(view) == "Email" and "can't reach" not in all_text(view.view["blocks"])


def test_mark_as_called_ticks_the_contact_step_with_who_and_when(harness: Harness) -> None:
    from tests.test_playbooks import Checklist

    case = harness.open_case()
    view = open_draft(harness, case)
    harness.driver.submit(view.id)
    posted = harness.fake.wait_for(lambda: posted_drafts(harness, case))[-1]
    harness.driver.click(COLLEAGUE, "draft_mark_sent", message=posted)
    checklist = Checklist(harness, case.id)
    line = harness.fake.wait_for(lambda: (t := checklist.step_line("contact-customer")).startswith(
        ":white_check_mark:") and t)
    # Who called, and when; not "done when the case was resolved" on a case still open.
    assert f"Contact the customer now* — done by <@{COLLEAGUE}> <!date^" in line
    assert "resolved" not in line
