"""Resolving a case with its cost, lesson, action items and satisfaction; reopening; resolving again.

Driven as people do it in Slack, on a clock that starts Monday 23 Nov 2026, 09:00 London. The checklist's
required steps are what test_playbooks is about; here they are out of the way (no resolve guards).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from bot.cases.models import Case, CaseStatus
from bot.knowledge.models import Entry
from bot.offers import service as offers
from bot.reminders.models import Reminder, ReminderState
from bot.sandbox.fake_slack import Message, ViewRecord
from bot.tracking import service as tracking
from bot.tracking.models import ActionItem, Resolution
from tests.support import ASSOCIATE, COLLEAGUE, MANAGER, Harness, all_text

MON = datetime(2026, 11, 23, 9, tzinfo=UTC)
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)

LESSON = {
    "outcome": "took_alternative",
    "final_cost": "£1,250.50",
    "lesson_cause": "The supplier's fabric batch failed inspection & nobody told us.",
    "lesson_worked": "Offering the mesh model at the same price, with free delivery.",
    "lesson_change": "Ask the supplier for inspection dates up front.",
}


def resolvable(harness: Harness, **intake: Any) -> Case:
    """A new case whose required steps a manager has waived (what blocks resolving: see test_playbooks)."""
    case = harness.open_case(**intake)
    harness.waive_required_steps(case.id)
    return case


def case_message(harness: Harness, case: Case) -> Message:
    return harness.case_message(harness.case(case.id))


def shown(message: Message) -> str:
    return all_text(message.blocks, message.text)


def buttons(message: Message) -> list[str]:
    return [e["text"]["text"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]]


def open_modal(harness: Harness, case: Case, action: str, callback: str, user: str = ASSOCIATE) -> ViewRecord:
    reply = harness.driver.click(user, f"case_action:{action}", message=case_message(harness, case))
    assert reply.status == 200
    return harness.modal(callback, user=user)


def submit(harness: Harness, view: ViewRecord, values: dict[str, Any]) -> dict[str, Any]:
    reply = harness.driver.submit(view.id, values)
    assert reply.status == 200, reply.text
    return reply.json() or {}


def resolutions(harness: Harness, case: Case) -> list[Resolution]:
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(Resolution).where(Resolution.case_id == case.id).order_by(Resolution.id)))


def items(harness: Harness) -> list[ActionItem]:
    with harness.amends.db.transaction() as session:
        return list(session.scalars(select(ActionItem).order_by(ActionItem.id)))


def entry_body(harness: Harness) -> str | None:
    with harness.amends.db.transaction() as session:
        entry = session.scalar(select(Entry).where(Entry.kind == "case"))
        return entry.body if entry else None


def live_reminders(harness: Harness, case: Case) -> set[str]:
    with harness.amends.db.transaction() as session:
        return set(session.scalars(select(Reminder.kind).where(Reminder.case_id == case.id,
                                                                Reminder.state == ReminderState.PENDING)))


def resolve(harness: Harness, case: Case, **values: Any) -> dict[str, Any]:
    view = open_modal(harness, case, "close", "resolve_case")
    answer = submit(harness, view, {**LESSON, **values})
    assert answer.get("response_action") == "update", answer
    harness.fake.wait_for(lambda: "Reopen case" in buttons(case_message(harness, case)))
    harness.settle()
    return answer


# ---------------------------------------------------------------------- resolving


def test_bad_answers_get_field_errors_and_nothing_is_saved(harness: Harness) -> None:
    case = resolvable(harness)
    view = open_modal(harness, case, "close", "resolve_case")
    answer = submit(harness, view, {"outcome": "cancelled", "final_cost": "about 50 quid", "lesson_cause": "  ",
                                    "item_0_text": "Call the supplier weekly", "item_0_due": MON.date() - timedelta(1),
                                    "satisfaction_comment": "She was fine"})
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert errors["final_cost"] == "“about 50 quid” isn't an amount; write it like £1,250.50."
    assert errors["lesson_cause"].startswith("Please say what caused it")
    assert errors["item_0_owner"] == "Every action item needs an owner."
    assert errors["item_0_due"] == "This date has already passed; pick when it can be done."
    assert errors["satisfaction"] == "Please pick a score for this comment (or leave both empty)."
    for cost, error in [("-5", "can't be negative"), ("12.345", "two decimal places"), ("1e99", "in digits"),
                        ("100000000", "That is more than £99,999,999.99")]:
        answer = submit(harness, view, {**LESSON, "final_cost": cost})
        assert error in answer["errors"]["final_cost"], cost
    assert harness.case(case.id).status == CaseStatus.OPEN and resolutions(harness, case) == []


def test_resolving_records_cost_lesson_action_items_and_satisfaction(harness: Harness) -> None:
    case = resolvable(harness)
    assert live_reminders(harness, case) >= {"status_update", "deadline_near"}
    view = open_modal(harness, case, "close", "resolve_case")
    assert "Final cost (GBP)" in all_text(view.view["blocks"])

    # A second action item row, keeping what was typed so far.
    typed = {"final_cost": "1250.50", "item_0_text": "Second fabric supplier"}
    harness.driver.click(ASSOCIATE, "resolve_add_item", view=view, typed=typed)
    view = harness.modal("resolve_case", until=lambda v: any(b.get("block_id") == "item_1_text"
                                                             for b in v.view["blocks"]))
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    assert blocks["final_cost"]["element"]["initial_value"] == "1250.50"
    assert blocks["item_0_text"]["element"]["initial_value"] == "Second fabric supplier"

    answer = submit(harness, view, {
        **LESSON, "satisfaction": "4", "satisfaction_comment": "Happy with the mesh chairs <3",
        "item_0_text": "Second fabric supplier", "item_0_owner": COLLEAGUE, "item_0_due": THU,
        "item_1_text": "Inspection dates in the supplier checklist", "item_1_owner": MANAGER, "item_1_due": FRI,
    })
    done = all_text(answer["view"]["blocks"])
    assert "is resolved: Took an alternative" in done and "Final cost: £1,250.50" in done

    resolved = harness.case(case.id)
    assert resolved.status == CaseStatus.RESOLVED and resolved.outcome == "took_alternative"
    [row] = resolutions(harness, case)
    assert row.final_cost == Decimal("1250.50") and row.currency == "GBP" and row.satisfaction == 4
    assert row.lesson_worked == LESSON["lesson_worked"]
    assert [(i.text, i.owner_id, i.due_on) for i in items(harness)] == [
        ("Second fabric supplier", COLLEAGUE, THU), ("Inspection dates in the supplier checklist", MANAGER, FRI)]

    # The case message tells how it ended, escaped, and offers what makes sense now.
    message = harness.fake.wait_for(lambda: case_message(harness, case) if "Reopen case" in
                                    buttons(case_message(harness, case)) else None)
    text = shown(message)
    assert "Took an alternative" in text and "final cost £1,250.50" in text
    assert "customer satisfaction 4/5 (satisfied)" in text and "Happy with the mesh chairs &lt;3" in text
    assert "failed inspection &amp; nobody told us" in text and "*Action items* (0 of 2 done)" in text
    assert buttons(message) == ["Record satisfaction", "Reopen case"]
    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "resolved *AM-1*: Took an alternative" in m.text])

    # Owners hear about their action items; reminders stop but the satisfaction follow-up.
    [assigned] = harness.fake.wait_for(lambda: harness.dms_containing(COLLEAGUE, "gave you an action item"))
    assert "Second fabric supplier" in assigned.text and "due Thu 26 Nov 2026" in assigned.text
    harness.fake.wait_for(lambda: harness.dms_containing(MANAGER, "gave you an action item"))
    assert live_reminders(harness, case) == {"follow_up"}

    # The lesson is in the knowledge index with the choice, the cost and the satisfaction.
    body = entry_body(harness)
    assert body is not None
    for line in ["Customer chose: Took an alternative", "Final cost: £1,250.50",
                 "What caused it: The supplier's fabric batch failed inspection & nobody told us.",
                 "What worked: Offering the mesh model", "What should change: Ask the supplier",
                 "Customer satisfaction: 4/5 (Happy with the mesh chairs <3)"]:
        assert line in body, line
    assert "resolution recorded" not in body and "GBP" not in body  # in words, money as people read it


def test_owners_are_reminded_on_the_due_day_and_mark_items_done(harness: Harness) -> None:
    case = resolvable(harness)
    resolve(harness, case, item_0_text="Second fabric supplier", item_0_owner=COLLEAGUE, item_0_due=THU)
    [item] = items(harness)
    with harness.amends.db.transaction() as session:
        assert tracking.overdue_action_items(session, MON) == []
    harness.tick(datetime(2026, 11, 26, 8, 59, tzinfo=UTC))
    assert harness.dms_containing(COLLEAGUE, "Action item due") == []
    harness.tick(datetime(2026, 11, 26, 9, tzinfo=UTC))
    [due] = harness.dms_containing(COLLEAGUE, "Action item due Thu 26 Nov 2026")
    friday = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    with harness.amends.db.transaction() as session:
        assert tracking.overdue_action_items(session, friday - timedelta(seconds=1)) == []
        assert [i.id for i in tracking.overdue_action_items(session, friday)] == [item.id]
        assert [i.id for i in tracking.overdue_action_items(session, friday, owners=[COLLEAGUE])] == [item.id]
        assert tracking.overdue_action_items(session, friday, owners=[ASSOCIATE]) == []

    harness.driver.click(COLLEAGUE, "action_item_done", message=due)
    harness.fake.wait_for(lambda: "Done: Second fabric supplier" in harness.fake.message(due.channel, due.ts).text)
    assert items(harness)[0].done_by == COLLEAGUE
    harness.fake.wait_for(lambda: "(1 of 1 done)" in shown(case_message(harness, case)))
    with harness.amends.db.transaction() as session:
        assert tracking.overdue_action_items(session, friday) == []
    kinds = [e.kind for e in harness.events(case.id)]
    assert kinds.count("action_item_done") == 1


def test_reopen_is_logged_and_resolving_again_starts_from_the_last_answers(harness: Harness) -> None:
    case = resolvable(harness)
    resolve(harness, case)
    assert entry_body(harness) is not None

    view = open_modal(harness, case, "reopen", "reopen_case", user=COLLEAGUE)
    assert submit(harness, view, {"reopen_reason": ""})["errors"] == {"reopen_reason": "Please say why, in a sentence."}
    harness.clock.advance(timedelta(hours=1))
    submit(harness, view, {"reopen_reason": "The replacement chairs arrived <damaged>"})
    harness.fake.wait_for(lambda: "Resolve case" in buttons(case_message(harness, case)))
    harness.settle()
    reopened = harness.case(case.id)
    assert reopened.status == CaseStatus.OPEN and reopened.outcome is None
    [event] = [e for e in harness.events(case.id) if e.kind == "reopened"]
    assert event.actor_id == COLLEAGUE and event.data["reason"] == "The replacement chairs arrived <damaged>"
    assert [m for m in harness.thread(case) if "reopened *AM-1*: The replacement chairs arrived &lt;damaged&gt;"
            in m.text]
    assert "Reopen case" not in buttons(case_message(harness, case))
    assert entry_body(harness) is None  # not a past fix any more
    assert "status_update" in live_reminders(harness, case) and "follow_up" not in live_reminders(harness, case)

    # Resolving again: the form starts from the previous answers.
    view = open_modal(harness, case, "close", "resolve_case")
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    assert blocks["final_cost"]["element"]["initial_value"] == "1250.50"
    assert blocks["outcome"]["element"]["initial_option"]["value"] == "took_alternative"
    submit(harness, view, {"outcome": "cancelled", "final_cost": "1400",
                           "lesson_cause": LESSON["lesson_cause"], "lesson_worked": "Letting them go gracefully."})
    harness.fake.wait_for(lambda: "Reopen case" in buttons(case_message(harness, case)))
    first, second = resolutions(harness, case)
    assert first.reopened_at == MON + timedelta(hours=1) and second.reopened_at is None
    assert second.outcome == "cancelled" and second.final_cost == Decimal("1400.00")
    body = entry_body(harness) or ""
    assert "Customer chose: Cancelled" in body and "Final cost: £1,400" in body and "gracefully" in body
    assert "1250.50" not in body


def test_satisfaction_is_recorded_from_the_follow_up(harness: Harness) -> None:
    case = resolvable(harness)
    resolve(harness, case)
    harness.tick(MON + timedelta(days=3))
    [follow_up] = harness.dms_containing(ASSOCIATE, "are they satisfied?")
    assert "Record satisfaction" in buttons(follow_up)
    harness.driver.click(ASSOCIATE, "case_action:record_satisfaction", message=follow_up)
    view = harness.modal("record_satisfaction")
    assert submit(harness, view, {"satisfaction_comment": "ok"})["errors"] == {
        "satisfaction": "Please pick how satisfied the customer is."}
    submit(harness, view, {"satisfaction": "5", "satisfaction_comment": "Would buy again"})
    harness.fake.wait_for(lambda: "customer satisfaction 5/5 (delighted)" in shown(case_message(harness, case)))
    assert resolutions(harness, case)[0].satisfaction == 5
    assert "Customer satisfaction: 5/5 (Would buy again)" in (entry_body(harness) or "")
    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "5/5 (delighted)" in m.text])


def test_the_form_starts_from_the_customers_recorded_choice(harness: Harness) -> None:
    case = resolvable(harness)
    with harness.amends.db.transaction() as session:
        offers.record_choice(session, case.id, choice="cancel", item_id=None, gesture="A £20 voucher",
                             final_cost="20", note=None, actor_id=ASSOCIATE, config=harness.amends.config,
                             now=harness.clock.now())
    view = open_modal(harness, case, "close", "resolve_case")
    blocks = {b.get("block_id"): b for b in view.view["blocks"]}
    assert blocks["outcome"]["element"]["initial_option"]["value"] == "cancelled"
    assert blocks["final_cost"]["element"]["initial_value"] == "20.00"
