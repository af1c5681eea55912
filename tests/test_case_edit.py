"""Edit case: the owner or a manager changes the new date, the customer's contact, timezone or tier after the
intake; each change is logged and said in the thread, and what reads the case follows.

Driven as people do it in Slack (signed requests, the strict fake), on a clock that starts Monday 23 Nov
2026, 09:00 London; the case is due Tuesday 05:00 and its intake's new date is Friday 27 Nov, 09:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.cases import service
from bot.cases.models import Outcome
from bot.privacy.service import erase_case
from bot.reminders.kinds import Kind, key
from bot.reminders.service import live_by_key
from bot.sandbox.fake_slack import ViewRecord
from tests.support import ASSOCIATE, COLLEAGUE, MANAGER, Harness, all_text
from tests.test_draft_slack import body_of, open_draft
from tests.test_resolve import open_modal, submit

EDIT = "case_edit"
NEXT_FRIDAY = datetime(2026, 12, 4, 14, tzinfo=UTC)


def open_edit(harness: Harness, case: Any, user: str = ASSOCIATE) -> ViewRecord:
    return open_modal(harness, case, "edit_case", EDIT, user=user)


def initial(view: ViewRecord, block_id: str) -> Any:
    element = next(b["element"] for b in view.view["blocks"] if b.get("block_id") == block_id)
    return element.get("initial_value") or element.get("initial_date_time") or \
        (element.get("initial_option") or {}).get("value")


def editing(harness: Harness, user: str) -> bool:
    view = harness.fake.open_view(user)
    return view is not None and view.view.get("callback_id") == EDIT


def edits(harness: Harness, case_id: int) -> list[Any]:
    return [e for e in harness.events(case_id) if e.kind == "edited"]


def test_editing_the_new_date_is_logged_shown_and_used_by_the_next_draft(harness: Harness) -> None:
    case = harness.open_case()
    assert "Edit case" in all_text(harness.case_message(case).blocks)

    # The modal shows the case as it is.
    view = open_edit(harness, case)
    assert initial(view, "new_date") == int(case.new_date.timestamp())
    assert (initial(view, "customer_contact"), initial(view, "customer_tier")) == ("+44 20 7946 0000", "preferred")

    answer = submit(harness, view, {"new_date": NEXT_FRIDAY})
    assert answer["response_action"] == "update"
    assert "Saved on *AM-1*" in all_text(answer["view"]["blocks"])

    # Logged: old -> new, who, when; nothing else changed.
    assert harness.case(case.id).new_date == NEXT_FRIDAY
    [edited] = edits(harness, case.id)
    assert (edited.actor_id, edited.at) == (ASSOCIATE, harness.clock.now())
    assert edited.data == {"changed": ["new_date"], "new_date": NEXT_FRIDAY.isoformat(),
                           "previous_new_date": case.new_date.isoformat()}

    # The case message shows the new date, the thread says what changed.
    stamp = f"<!date^{int(NEXT_FRIDAY.timestamp())}^"
    harness.fake.wait_for(lambda: stamp in all_text(harness.case_message(case).blocks))
    note = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "edited *AM-1*" in m.text])[-1]
    assert f"<@{ASSOCIATE}> edited *AM-1*" in note.text
    assert f"New date: <!date^{int(case.new_date.timestamp())}^" in note.text and stamp in note.text

    # The next draft gives the customer the new date, not the one typed at the intake.
    script = body_of(open_draft(harness, case))
    assert "Friday 4 December at 2 pm" in script and "Friday 27 November" not in script


def test_every_problem_is_shown_at_once_and_what_was_typed_stays(harness: Harness) -> None:
    case = harness.open_case()
    view = open_edit(harness, case)
    typed = {"new_date": harness.clock.now() - timedelta(days=2), "customer_timezone": "Atlantis",
             "customer_contact": "ada@northwind.example"}
    answer = submit(harness, view, typed)

    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"new_date", "customer_timezone"}
    assert "already passed" in answer["errors"]["new_date"]
    assert "I don't know that timezone" in answer["errors"]["customer_timezone"]
    # The modal stays open over what was typed (errors never replace the view), and nothing was saved.
    assert not harness.fake.view(view.id).closed
    assert edits(harness, case.id) == [] and harness.case(case.id).customer_contact == "+44 20 7946 0000"

    # Fixing the two fields saves all three.
    answer = submit(harness, view, {**typed, "new_date": NEXT_FRIDAY, "customer_timezone": "new york"})
    assert answer["response_action"] == "update"
    saved = harness.case(case.id)
    assert (saved.new_date, saved.customer_timezone, saved.customer_contact) == \
        (NEXT_FRIDAY, "America/New_York", "ada@northwind.example")
    assert edits(harness, case.id)[0].data["changed"] == ["new_date", "customer_contact", "customer_timezone"]


def test_someone_who_neither_owns_the_case_nor_manages_is_told_kindly(harness: Harness) -> None:
    case = harness.open_case()
    harness.driver.click(COLLEAGUE, "case_action:edit_case", message=harness.case_message(case))
    told = harness.fake.wait_for(lambda: harness.fake.ephemerals(COLLEAGUE))[-1]
    assert f"Only <@{ASSOCIATE}>, who owns AM-1, or a manager can edit it" in told.text
    assert not editing(harness, COLLEAGUE)


def test_a_manager_edits_the_tier_and_contact_the_severity_follows_and_the_contact_stays_private(
        harness: Harness) -> None:
    case = harness.open_case(customer_tier="standard", order_value="6000")  # due in 20 h: 2 + 2 points
    assert case.severity == "high"
    with harness.amends.db.transaction() as session:
        due_before = live_by_key(session, key(Kind.STATUS_UPDATE, case.id)).due_at

    view = open_edit(harness, case, user=MANAGER)
    answer = submit(harness, view, {"customer_tier": "key", "customer_contact": "+44 113 496 0999"})
    assert answer["response_action"] == "update"

    # The key account's weight makes it critical, as the intake would have; logged with the tier.
    edited = harness.case(case.id)
    assert (edited.customer_tier, edited.severity) == ("key", "critical")
    [event] = edits(harness, case.id)
    assert event.actor_id == MANAGER
    assert event.data["changed"] == ["customer_contact", "customer_tier", "severity"]
    assert (event.data["previous_severity"], event.data["severity"]) == ("high", "critical")
    # A critical case's updates come sooner: the next one is brought forward.
    with harness.amends.db.transaction() as session:
        assert live_by_key(session, key(Kind.STATUS_UPDATE, case.id)).due_at < due_before

    # The thread hears it, without the contact; the owner gets the new contact by DM.
    note = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "edited *AM-1*" in m.text])[-1]
    assert "Customer contact: changed" in note.text and "496 0999" not in all_text(note.blocks, note.text)
    assert "critical" in note.text
    dm = harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, "changed the customer's contact"))[-1]
    assert "+44 113 496 0999" in all_text(dm.blocks, dm.text)
    harness.fake.wait_for(lambda: ":red_circle: critical" in all_text(harness.case_message(case).blocks))


def test_a_resolved_case_cant_be_edited(harness: Harness) -> None:
    case = harness.open_case()
    message = harness.case_message(case)  # the copy with the button, as someone may still have it open
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        service.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                             outcome=Outcome.CUSTOMER_WAITED, lifecycle=harness.amends.lifecycle)
    harness.fake.wait_for(lambda: "Edit case" not in all_text(harness.case_message(case).blocks))

    harness.driver.click(ASSOCIATE, "case_action:edit_case", message=message)
    told = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "AM-1 is resolved" in told.text and "Reopen it first" in told.text
    assert not editing(harness, ASSOCIATE)


def test_only_what_the_person_changed_is_saved(harness: Harness) -> None:
    """Two people editing at once don't undo each other; a prefilled date now past doesn't block a save."""
    case = harness.open_case(new_date=harness.clock.now() + timedelta(days=5))
    view = open_edit(harness, case)
    manager_view = open_edit(harness, case, user=MANAGER)
    assert submit(harness, manager_view, {"customer_tier": "key"})["response_action"] == "update"

    harness.clock.advance(timedelta(days=6))  # the new date shown in the form has passed meanwhile
    answer = submit(harness, view, {"customer_contact": "orders@northwind.example"})
    assert answer["response_action"] == "update", answer
    saved = harness.case(case.id)
    assert (saved.customer_tier, saved.customer_contact) == ("key", "orders@northwind.example")
    assert [e.data["changed"] for e in edits(harness, case.id)] == [["customer_tier"], ["customer_contact"]]

    # Saving the form again as it is changes nothing and logs nothing.
    view = open_edit(harness, case)
    answer = submit(harness, view, {})
    assert "Nothing to save" in all_text(answer["view"]["blocks"])
    assert len(edits(harness, case.id)) == 2


def test_a_new_date_earlier_than_achievable_is_warned_about_and_kept_when_saved_again(harness: Harness) -> None:
    """Issue 18: the modal shows the case's achievable date and where it comes from; an earlier day is warned
    about, not refused: the form comes back as typed, and saving it again keeps the date and logs it."""
    case = harness.open_case()  # a supplier delay: 3 days + 1 day's buffer, Friday 27 Nov 18:00
    view = open_edit(harness, case)
    assert "Achievable:" in all_text(view.view["blocks"])
    assert "supplier-delay: 3 days + 1 day's buffer" in all_text(view.view["blocks"])
    soon = harness.clock.now() + timedelta(days=2)

    answer = submit(harness, view, {"new_date": soon, "customer_contact": "orders@northwind.example"})
    assert answer["response_action"] == "update"
    warned = harness.fake.view(view.id)
    assert "earlier than the team can keep" in all_text(warned.view["blocks"])
    assert "press *Save changes* again" in all_text(warned.view["blocks"])
    assert (initial(warned, "new_date"), initial(warned, "customer_contact")) == \
        (int(soon.timestamp()), "orders@northwind.example")
    assert edits(harness, case.id) == []

    answer = submit(harness, warned, {})  # saved again as it is
    assert "Saved on *AM-1*" in all_text(answer["view"]["blocks"])
    [event] = edits(harness, case.id)
    assert event.data["changed"] == ["new_date", "customer_contact"]
    [kept] = [e for e in harness.events(case.id) if e.kind == "achievable_overridden"]
    assert (kept.actor_id, kept.data["new_date"]) == (ASSOCIATE, soon.isoformat())

    # A date the team can keep goes through at once, and nothing says it was overridden.
    view = open_edit(harness, case)
    assert "Saved on *AM-1*" in all_text(submit(harness, view, {"new_date": NEXT_FRIDAY})["view"]["blocks"])
    assert [e.kind for e in harness.events(case.id)].count("achievable_overridden") == 1


def test_erasing_the_customers_data_erases_the_contacts_an_edit_logged(harness: Harness) -> None:
    case = harness.open_case(customer_timezone="Paris")
    view = open_edit(harness, case)
    submit(harness, view, {"new_date": NEXT_FRIDAY, "customer_contact": "+33 1 23 45 67 89", "customer_tier": "key",
                           "customer_timezone": "Lisbon"})
    with harness.amends.db.transaction() as session:
        erase_case(session, service.get_case(session, case.id), now=harness.clock.now(), actor_id=MANAGER,
                   reason="the customer asked")
    [event] = edits(harness, case.id)
    erased = {event.data[f"{p}customer_contact"] for p in ("", "previous_")} | \
        {event.data[f"{p}customer_timezone"] for p in ("", "previous_")}
    assert "+33 1 23 45 67 89" not in str(event.data) and "Lisbon" not in str(event.data) and len(erased) == 1
    # What the figures need stays: the dates, the tiers.
    assert (event.data["new_date"], event.data["customer_tier"], event.data["previous_customer_tier"]) == \
        (NEXT_FRIDAY.isoformat(), "key", "preferred")


def test_a_hostile_contact_is_shown_exactly_as_typed_and_pings_nobody(harness: Harness) -> None:
    case = harness.open_case()
    view = open_edit(harness, case, user=MANAGER)
    hostile = "<!channel> *call* _me_ <https://evil.example|here>"
    assert submit(harness, view, {"customer_contact": hostile})["response_action"] == "update"
    assert harness.case(case.id).customer_contact == hostile  # saved as typed
    dm = harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, "changed the customer's contact"))[-1]
    shown = all_text(dm.blocks, dm.text)
    assert "<!channel>" not in shown and "<https://evil.example" not in shown  # no ping, no disguised link
    assert "&lt;!channel&gt;" in shown
