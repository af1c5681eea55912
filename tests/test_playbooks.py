"""Guided recovery playbooks, end to end: signed requests to the real bot, a strict fake Slack, and the
database (SQLite, and PostgreSQL when AMENDS_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from bot.cases.models import CaseStatus, Outcome
from bot.playbooks.models import CasePlaybook
from bot.sandbox.fake_slack import Message, ViewRecord
from tests.support import (
    ASSOCIATE,
    CASES_CHANNEL,
    COLLEAGUE,
    MANAGER,
    OUTSIDER,
    Harness,
    all_text,
    configured,
    slack_shows,
)


class Checklist:
    """Drives one case's checklist the way people do: clicks on the message as Slack shows it."""

    def __init__(self, harness: Harness, case_id: int) -> None:
        self.harness = harness
        self.case_id = case_id

    def row(self) -> CasePlaybook:
        with self.harness.amends.db.transaction() as session:
            row = session.get(CasePlaybook, self.case_id)
            assert row is not None
            return row

    def message(self) -> Message:
        row = self.row()
        message = self.harness.fake.message(row.channel_id, row.message_ts)
        assert message is not None
        return message

    def text(self) -> str:
        message = self.message()
        return all_text(message.blocks, message.text)

    def revision(self) -> int:
        return self.row().revision

    def step_line(self, step_id: str) -> str:
        for block in self.message().blocks:
            if block.get("type") == "section" and f'"step_id":"{step_id}"' in block.get("block_id", ""):
                return block["text"]["text"]
        raise LookupError(step_id)

    def buttons(self, step_id: str) -> list[str]:
        """Labels of the buttons under a step (the actions block that follows its section)."""
        blocks = self.message().blocks
        for index, block in enumerate(blocks):
            if f'"step_id":"{step_id}"' in block.get("block_id", ""):
                following = next((b for b in blocks[index + 1:] if b["type"] in {"actions", "section"}
                                  and not b.get("block_id", "").startswith('{"case_id":' + str(self.case_id)
                                                                           + ',"check_id"')), None)
                if following and following["type"] == "actions":
                    return [e["text"]["text"] for e in following["elements"]]
                return []
        raise LookupError(step_id)

    # ------------------------------------------------------------------ acting

    def _wait_changed(self, before: int, message: Message | None = None) -> None:
        """Wait until the change is saved and the message shows it (its elements carry the revision)."""
        self.harness.fake.wait_for(lambda: self.revision() > before and self.shown_revision() == self.revision())

    def shown_revision(self) -> int:
        row = self.row()
        message = self.harness.fake.message(row.channel_id, row.message_ts) if row.message_ts else None
        for block in message.blocks if message else []:
            if block.get("block_id", "").startswith("{"):
                return json.loads(block["block_id"])["revision"]
        return 0

    def click(self, user: str, action_id: str, *, message: Message | None = None, selected: Any = None,
              expect_change: bool = True) -> None:
        before = self.revision()
        reply = self.harness.driver.click(user, action_id, message=message or self.message(), selected=selected)
        assert reply.status == 200, reply.text
        if expect_change:
            self._wait_changed(before)

    def done(self, step_id: str, user: str = ASSOCIATE, **kwargs: Any) -> None:
        self.click(user, f"playbook_done:{step_id}", **kwargs)

    def check(self, check_id: str, outcome: str, user: str = ASSOCIATE, **kwargs: Any) -> None:
        self.click(user, f"playbook_check:{check_id}", selected=outcome, **kwargs)

    def open_modal(self, user: str, action_id: str, callback: str, *, selected: Any = None) -> ViewRecord:
        reply = self.harness.driver.click(user, action_id, message=self.message(), selected=selected)
        assert reply.status == 200
        return self.harness.fake.wait_for(lambda: self._view(user, callback))

    def _view(self, user: str, callback: str) -> ViewRecord | None:
        view = self.harness.fake.open_view(user)
        return view if view and view.view.get("callback_id") == callback else None

    def submit(self, view: ViewRecord, values: dict[str, Any], *, expect_change: bool = True) -> Any:
        before = self.revision()
        reply = self.harness.driver.submit(view.id, values)
        assert reply.status == 200, reply.text
        if expect_change:
            self._wait_changed(before)
        return reply.json()

    def skip(self, step_id: str, reason: str, user: str = ASSOCIATE) -> None:
        view = self.open_modal(user, f"playbook_skip:{step_id}", "playbook_skip")
        self.submit(view, {"reason": reason})

    def waive(self, step_id: str, reason: str, user: str = MANAGER) -> None:
        view = self.open_modal(user, f"playbook_waive:{step_id}", "playbook_waive")
        self.submit(view, {"reason": reason})

    def note(self, step_id: str, text: str, user: str = ASSOCIATE) -> None:
        view = self.open_modal(user, f"playbook_notes:{step_id}", "playbook_note")
        self.submit(view, {"note": text})

    def escalate(self, user: str = ASSOCIATE) -> None:
        self.click(user, "case_action:escalate")

    def resolve(self, outcome: Outcome, *, user: str = ASSOCIATE, from_checklist: bool = True,
                satisfaction: int | None = None) -> dict[str, Any]:
        message = self.message() if from_checklist else self.harness.case_message(self.harness.case(self.case_id))
        shown = self.harness.fake.open_view(user)
        reply = self.harness.driver.click(user, "case_action:close", message=message)
        assert reply.status == 200
        # The form, or (something required still open) why not, before anything is typed.
        view = self.harness.fake.wait_for(lambda: (v := self.harness.fake.open_view(user)) and v != shown and (
            v.view.get("callback_id") == "resolve_case" or "can't be resolved just yet" in all_text(v.view["blocks"]))
            and v)
        if view.view.get("callback_id") != "resolve_case":
            return view.view
        answer = self.harness.driver.submit(view.id, {"outcome": outcome.value, "final_cost": "0",
                                                      "lesson_cause": "The supplier's batch failed inspection.",
                                                      **({"satisfaction": str(satisfaction)} if satisfaction else {})})
        assert answer.status == 200, answer.text
        return self.harness.fake.view(view.id).view


def ephemeral_text(harness: Harness, user: str, containing: str) -> str:
    found = harness.fake.wait_for(lambda: [e for e in harness.fake.ephemerals(user) if containing in e.text])
    return found[-1].text


def event_kinds(harness: Harness, case_id: int) -> list[str]:
    return [e.kind for e in harness.events(case_id)]


def playbook_events(harness: Harness, case_id: int) -> list[tuple[str, str | None, str | None]]:
    """(kind, actor, step or check) for every playbook change, in order."""
    return [(e.kind, e.actor_id, e.data.get("step") or e.data.get("check")) for e in harness.events(case_id)
            if e.kind.startswith(("step_", "check_", "path_", "escalat"))]


# ---------------------------------------------------------------------- the whole walk


def test_a_case_walks_through_its_whole_playbook(harness: Harness) -> None:
    case = harness.open_case(cause="supplier-delay")
    checklist = Checklist(harness, case.id)
    first = checklist.message()
    assert first.thread_ts == case.message_ts and first.channel == CASES_CHANNEL  # in the case thread
    shown = checklist.text()
    assert "Late delivery" in shown and "1. Try to still keep the promise" in shown
    assert "Stock at another warehouse or store" in shown and "not checked yet" in shown
    # A step's action gets a button only when an installed area provides it: no dead buttons.
    actions = harness.amends.wiring.case_actions
    assert checklist.buttons("alert-manager") == ["Done", "Waive…", "Add note", "Alert managers"]
    assert checklist.buttons("close") == ["Resolve case", "Add note"]
    for step_id, action in [("find-alternatives", "offer_alternatives"), ("contact-customer", "draft_message"),
                            ("record-choice", "record_choice"), ("deliver", "schedule_updates")]:
        assert (actions.label(action) in checklist.buttons(step_id)) == (action in actions), action
    assert "Skip…" in checklist.buttons("find-alternatives") and "Waive…" in checklist.buttons("deliver")

    # 1. Every way to keep the promise, each with its outcome.
    for check_id in ["other-location", "physical-check", "incoming-order", "swap-delivery", "colleague-stock",
                     "competitor"]:
        checklist.check(check_id, "not_possible")
    checklist.check("expedite", "tried")
    assert ":x: Express or special shipment — *Tried, no luck*" in checklist.text()
    checklist.done("keep-promise")
    assert checklist.step_line("keep-promise").startswith(":white_check_mark: *1. Try to still keep the promise*")

    # 2. Alert the managers, with the options found so far; the step is done by doing it.
    checklist.escalate()
    alert = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "is escalating" in m.text])[-1]
    alert_text = all_text(alert.blocks, alert.text)
    assert f"<@{MANAGER}>" in alert.text
    assert "Express or special shipment — Tried, no luck" in alert_text
    assert "Stock at another warehouse or store — Not possible" in alert_text
    assert ephemeral_text(harness, ASSOCIATE, "managers have been alerted")
    assert checklist.step_line("alert-manager").startswith(":white_check_mark:")

    # 3.-9. Through the rest, skipping what doesn't apply, with notes on the way.
    checklist.note("contact-customer", "Called Dana at 10:15; she'll think about the loaner.")
    for step_id in ["find-alternatives", "contact-customer", "record-choice"]:
        checklist.done(step_id)
    checklist.skip("compensate", "Customer declined anything extra.")
    for step_id in ["apologize", "deliver"]:
        checklist.done(step_id, user=COLLEAGUE)  # anyone on the team can help
    # Checking they are satisfied is answered by the resolve form's score: no bare "Done" for it.
    assert checklist.buttons("confirm-satisfaction") == ["Record satisfaction", "Waive…", "Add note"]
    shown = checklist.text()
    assert f"skipped by <@{ASSOCIATE}>" in shown and "8 of 10 steps done" in shown
    # Steps dealt with are one line each (the keep-the-promise checks a count); their details, on demand.
    assert "Called Dana at 10:15" not in shown and "Customer declined anything extra." not in shown
    assert checklist.step_line("keep-promise").endswith("checks: 1 tried, no luck, 6 not possible")
    assert not [b for b in checklist.message().blocks if '"check_id"' in b.get("block_id", "")]
    details = checklist.open_modal(ASSOCIATE, "playbook_more:contact-customer", "playbook_note", selected="note")
    assert "Called Dana at 10:15" in all_text(details.view["blocks"])
    harness.driver.click(ASSOCIATE, "playbook_more:compensate", message=checklist.message(), selected="note")
    harness.modal("playbook_note", until=lambda v: "Customer declined anything extra." in all_text(v.view["blocks"]))

    # 10. Resolve from the closing step, with how satisfied the customer is.
    done_view = checklist.resolve(Outcome.CUSTOMER_WAITED, satisfaction=5)
    assert "is resolved: Customer waited" in all_text(done_view["blocks"])
    harness.fake.wait_for(lambda: "is resolved: Customer waited" in checklist.text())
    resolved = harness.case(case.id)
    assert resolved.status == CaseStatus.RESOLVED and resolved.outcome == Outcome.CUSTOMER_WAITED
    shown = checklist.text()
    assert "10 of 10 steps done" in shown and "done when the case was resolved" in shown
    assert not [b for b in checklist.message().blocks if b["type"] == "actions"]  # no buttons left
    harness.fake.wait_for(lambda: "Customer waited" in all_text(harness.case_message(resolved).blocks))
    assert [m for m in harness.thread(case) if f"<@{ASSOCIATE}> resolved *{case.ref}*" in m.text]

    # Everything is in the case's event log, in order, with who did it.
    events = playbook_events(harness, case.id)
    assert events[:8] == [("check_recorded", ASSOCIATE, c) for c in
                          ["other-location", "physical-check", "incoming-order", "swap-delivery", "colleague-stock",
                           "competitor", "expedite"]] + [("step_done", ASSOCIATE, "keep-promise")]
    assert ("escalated", ASSOCIATE, None) in events and ("step_done", ASSOCIATE, "alert-manager") in events
    assert ("step_note", ASSOCIATE, "contact-customer") in events
    assert ("step_skipped", ASSOCIATE, "compensate") in events
    assert ("step_done", ASSOCIATE, "confirm-satisfaction") in events  # by whoever resolved, with the score
    assert events[-1] == ("step_done", None, "close")  # completed by resolving, in the same transaction
    kinds = event_kinds(harness, case.id)
    assert kinds[:2] == ["opened", "playbook_attached"] and kinds[-2:] == ["resolved", "step_done"]


def test_the_promise_kept_path(harness: Harness) -> None:
    case = harness.open_case(cause="stock-out")
    checklist = Checklist(harness, case.id)
    checklist.check("physical-check", "tried")
    checklist.check("returns", "worked", user=COLLEAGUE)
    shown = checklist.text()
    assert "A check worked: the promise can still be kept" in shown
    line = checklist.step_line("keep-promise")
    assert line.startswith(":white_check_mark:")  # done by the check that worked, its checks now a count
    assert "checks: 1 worked, 1 tried, no luck, 7 not checked" in line
    assert "2. Make sure the stock you found reaches the customer on time" in shown
    assert "Not needed now that the promise is being kept: Tell your manager, Find an alternative" in shown
    with pytest.raises(LookupError):
        checklist.step_line("contact-customer")  # listed as not needed, no longer a step to tick
    assert ("path_changed", COLLEAGUE, "returns") in playbook_events(harness, case.id)

    # Only the promise-kept path's required step stands between the case and "promise kept".
    blocked = checklist.resolve(Outcome.PROMISE_KEPT)
    reasons = all_text(blocked["blocks"])
    assert "can't be resolved just yet" in reasons
    assert "Make sure the stock you found reaches the customer on time" in reasons
    assert "Contact the customer" not in reasons
    checklist.done("confirm-delivery")
    checklist.resolve(Outcome.PROMISE_KEPT)
    harness.fake.wait_for(lambda: harness.case(case.id).status == CaseStatus.RESOLVED)
    harness.fake.wait_for(lambda: "is resolved: Promise kept after all" in checklist.text())


def test_a_check_that_falls_through_puts_the_case_back_on_the_recovery_path(harness: Harness) -> None:
    case = harness.open_case(cause="stock-out")
    checklist = Checklist(harness, case.id)
    checklist.check("demo-unit", "worked")
    # The demo unit turned out to be sold: the step (done by the check, its checks folded) is reopened.
    checklist.click(ASSOCIATE, "playbook_more:keep-promise", selected="reopen")
    checklist.check("demo-unit", "tried")
    shown = checklist.text()
    assert "A check worked" not in shown and "Not needed" not in shown
    assert "4. Contact the customer now" in shown
    paths = [e.data["path"] for e in harness.events(case.id) if e.kind == "path_changed"]
    assert paths == ["promise_kept", "recovery"]


# ---------------------------------------------------------------------- skip, waive, block


def test_skipping_needs_a_reason_and_only_optional_steps_can_be_skipped(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    view = checklist.open_modal(ASSOCIATE, "playbook_skip:apologize", "playbook_skip")
    answer = checklist.submit(view, {"reason": "   "}, expect_change=False)
    assert answer == {"response_action": "errors", "errors": {"reason": "Please write why you are skipping it."}}
    checklist.submit(view, {"reason": "Apologized on the first call already."})
    line = checklist.step_line("apologize")
    assert line.startswith(f":fast_forward: *7. Apologize, once the solution is on the table* — skipped by <@{ASSOCIATE}>")
    assert "Apologized" not in line  # one line; the reason is in the step's details
    skipped = [e for e in harness.events(case.id) if e.kind == "step_skipped"]
    assert skipped[0].data["reason"] == "Apologized on the first call already."
    assert "Skip…" not in checklist.buttons("contact-customer")  # required: only a manager can waive it


def test_a_manager_waives_a_required_step_and_an_associate_cannot(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    checklist.click(ASSOCIATE, "playbook_waive:confirm-satisfaction", expect_change=False)
    assert "Only a manager can waive a step" in ephemeral_text(harness, ASSOCIATE, "Only a manager")
    assert not [v for v in harness.fake.views(ASSOCIATE) if v.view.get("callback_id") == "playbook_waive"]

    checklist.waive("confirm-satisfaction", "Customer asked us not to call again.", user=MANAGER)
    line = checklist.step_line("confirm-satisfaction")
    assert f"waived by <@{MANAGER}>" in line and "Customer asked us not to call again." not in line  # one line
    harness.driver.click(MANAGER, "playbook_more:confirm-satisfaction", message=checklist.message(), selected="note")
    harness.modal("playbook_note", user=MANAGER,
                  until=lambda v: "because: Customer asked us not to call again." in all_text(v.view["blocks"]))
    assert ("step_waived", MANAGER, "confirm-satisfaction") in playbook_events(harness, case.id)


@pytest.mark.parametrize("config", [configured(managers={"users": [MANAGER], "usergroup": "S0MANAGERS"})],
                         ids=["usergroup"])
def test_a_member_of_the_managers_group_may_waive(harness: Harness) -> None:
    harness.fake.add_usergroup("S0MANAGERS", [COLLEAGUE])  # read from Slack on each use
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    checklist.waive("deliver", "Collected in store; nothing to deliver.", user=COLLEAGUE)
    assert f"waived by <@{COLLEAGUE}>" in checklist.step_line("deliver")
    checklist.click(OUTSIDER, "playbook_waive:confirm-satisfaction", expect_change=False)
    assert ephemeral_text(harness, OUTSIDER, "Only a manager")


def test_required_steps_block_resolution_until_done_or_waived(harness: Harness) -> None:
    case = harness.open_case(cause="quality")
    checklist = Checklist(harness, case.id)
    blocked = checklist.resolve(Outcome.TOOK_ALTERNATIVE, from_checklist=False)  # from the case message
    shown = all_text(blocked["blocks"])
    assert f"{case.ref} can't be resolved just yet" in shown
    for title in ["Try to still get the right item there on time", "Tell your manager", "Contact the customer now",
                  "Record the customer's choice", "Deliver the right item as promised"]:
        assert title in shown
    assert "Capture the lesson" not in shown  # resolving is what completes the closing step
    assert "Check they are satisfied" not in shown  # the resolve form's score answers it
    assert harness.case(case.id).status == CaseStatus.OPEN and "resolved" not in event_kinds(harness, case.id)

    for check_id in ["replacement-stock", "express", "swap-on-site", "engineer-spare", "repair-on-site", "loaner"]:
        checklist.check(check_id, "not_possible")
    for step_id in ["keep-promise", "alert-manager", "contact-customer", "record-choice", "deliver"]:
        checklist.done(step_id)
    checklist.waive("confirm-satisfaction", "Customer unreachable; left two messages.")
    checklist.resolve(Outcome.TOOK_ALTERNATIVE, from_checklist=False)
    harness.fake.wait_for(lambda: harness.case(case.id).status == CaseStatus.RESOLVED)


def test_reopening_a_step_makes_it_block_again(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    checklist.done("alert-manager")
    checklist.click(ASSOCIATE, "playbook_more:alert-manager", selected="reopen")
    assert checklist.step_line("alert-manager").startswith(":white_circle:")
    assert ("step_reopened", ASSOCIATE, "alert-manager") in playbook_events(harness, case.id)


# ---------------------------------------------------------------------- double clicks, two people, stale copies


def test_a_double_click_changes_nothing_the_second_time(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    old = checklist.message()
    checklist.done("alert-manager", message=old)
    checklist.done("alert-manager", message=old, expect_change=False)
    notice = ephemeral_text(harness, ASSOCIATE, "Nothing changed")
    assert notice.startswith(":information_source: “Tell your manager” is already done (by <@U0ASSOC01>,")
    assert [e for e in playbook_events(harness, case.id) if e[0] == "step_done"] == [
        ("step_done", ASSOCIATE, "alert-manager")]


def test_two_people_ticking_the_same_step_at_once_record_it_once(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    message = checklist.message()
    people = [ASSOCIATE, COLLEAGUE, MANAGER, ASSOCIATE]
    with ThreadPoolExecutor(len(people)) as pool:
        replies = list(pool.map(lambda u: harness.driver.click(u, "playbook_done:alert-manager", message=message),
                                people))
    assert all(r.status == 200 for r in replies)
    harness.fake.wait_for(lambda: len([e for e in harness.fake.ephemerals() if "already done" in e.text]) == 3)
    done = [e for e in playbook_events(harness, case.id) if e[0] == "step_done"]
    assert len(done) == 1
    harness.fake.wait_for(lambda: checklist.shown_revision() == checklist.revision())
    assert checklist.step_line("alert-manager").startswith(":white_check_mark:")


def test_a_click_on_an_outdated_copy_does_not_overwrite_a_newer_decision(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    stale = checklist.message()
    checklist.skip("compensate", "Budget used up on this account.", user=MANAGER)
    checklist.done("compensate", user=COLLEAGUE, message=stale, expect_change=False)
    notice = ephemeral_text(harness, COLLEAGUE, "changed after the copy")
    assert "“Make it up to them” changed after the copy of the checklist you clicked on: it is now skipped" in notice
    assert checklist.step_line("compensate").startswith(":fast_forward:")

    # The same for a check: a newer outcome is not overwritten from an old copy...
    stale = checklist.message()
    checklist.check("competitor", "tried", user=MANAGER)
    checklist.check("competitor", "not_possible", user=COLLEAGUE, message=stale, expect_change=False)
    assert "it is now “Tried, no luck”" in ephemeral_text(harness, COLLEAGUE, "Tried, no luck")
    # ...but an outdated copy can still change what nobody touched since.
    checklist.check("expedite", "not_possible", user=COLLEAGUE, message=stale)
    assert "Express or special shipment — *Not possible*" in checklist.text()


def test_clicks_after_resolution_are_explained(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    stale = checklist.message()
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        from bot.cases import service as cases

        cases.resolve_case(session, case.id, actor_id=MANAGER, now=harness.clock.now(), outcome=Outcome.CANCELLED,
                           lifecycle=harness.amends.lifecycle)
    checklist.done("apologize", message=stale, expect_change=False)
    assert "is resolved, so its checklist is closed" in ephemeral_text(harness, ASSOCIATE, "is resolved")


def test_the_keep_the_promise_step_is_done_with_the_checks_that_mattered_and_a_refusal_shows_in_place(
        harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    # Nothing recorded yet: the refusal opens over the checklist, where the associate clicked.
    before = checklist.revision()
    checklist.done("keep-promise", expect_change=False)
    refusal = harness.fake.wait_for(lambda: (v := harness.fake.open_view(ASSOCIATE)) and
                                    "Record how at least one way" in all_text(v.view["blocks"]) and v)
    assert refusal.view["title"]["text"] == "Not just yet"
    assert not [e for e in harness.fake.ephemerals(ASSOCIATE) if "Record how" in e.text]  # not at the thread's end
    assert checklist.revision() == before

    # Two of the seven checks recorded is enough; the others read "Not tried", in the log too.
    checklist.check("other-location", "tried")
    checklist.check("incoming-order", "not_possible")
    checklist.done("keep-promise")
    assert checklist.step_line("keep-promise").startswith(":white_check_mark: *1. Try to still keep the promise*")
    assert checklist.step_line("keep-promise").endswith("checks: 1 tried, no luck, 1 not possible, 5 not tried")
    not_tried = [e.data["check"] for e in harness.events(case.id)
                 if e.kind == "check_recorded" and e.data["outcome"] == "not_tried"]
    assert len(not_tried) == 5 and "other-location" not in not_tried

    # Reopened, the step's untried checks are open to record again.
    checklist.click(ASSOCIATE, "playbook_more:keep-promise", selected="reopen")
    assert "— *Not tried*" not in checklist.text() and "not checked yet" in checklist.text()


def test_resolving_says_what_blocks_it_before_the_form_and_a_late_refusal_keeps_what_was_typed(
        harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    # Required steps open: the reasons come instead of the form, before anything is typed.
    harness.driver.click(ASSOCIATE, "case_action:close", message=harness.case_message(case))
    blocked = harness.fake.wait_for(lambda: (v := harness.fake.open_view(ASSOCIATE)) and
                                    "can't be resolved just yet" in all_text(v.view["blocks"]) and v)
    assert blocked.view.get("callback_id") != "resolve_case"
    assert "Tell your manager" in all_text(blocked.view["blocks"])

    # With every required step dealt with, the form opens; a step reopened meanwhile refuses the submit
    # with the reason over the form, which stays open with everything typed.
    with harness.amends.db.transaction() as session:
        now = harness.clock.now()
        required = [s.id for s in playbooks.checklist(session, case.id, now=now).steps
                    if s.required and s.is_open and s.id != "close"]
        for step_id in required:
            playbooks.waive_step(session, case.id, step_id, reason="test", actor_id=MANAGER, by_manager=True, now=now)
    harness.driver.click(ASSOCIATE, "case_action:close", message=harness.case_message(case))
    form = harness.modal("resolve_case")
    with harness.amends.db.transaction() as session:
        playbooks.reopen_step(session, case.id, "alert-manager", actor_id=MANAGER, now=harness.clock.now())
    typed = {"outcome": "took_alternative", "final_cost": "182", "lesson_cause": "Stock count wrong for a week.",
             "lesson_worked": "A loaner the same afternoon."}
    answer = harness.driver.submit(form.id, typed).json()
    assert answer["response_action"] == "errors"
    assert "Tell your manager" in answer["errors"]["outcome"]
    still = harness.fake.view(form.id)
    assert still is not None and not still.closed and still.view.get("callback_id") == "resolve_case"
    assert harness.case(case.id).status == CaseStatus.OPEN


def test_each_check_takes_a_short_note_shown_on_the_checklist_in_the_escalation_and_the_log(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    checklist.check("other-location", "tried")
    # "Add a note…" is in the check's own menu; its modal takes a line.
    view = checklist.open_modal(ASSOCIATE, "playbook_check:other-location", "playbook_check_note", selected="note")
    assert "*Stock at another warehouse or store* — Tried, no luck" in all_text(view.view["blocks"])
    reply = checklist.submit(view, {"check_note": "x" * 151}, expect_change=False)
    assert "under 150 characters" in reply["errors"]["check_note"]
    checklist.submit(view, {"check_note": "Called the *Leeds* store: none left"})

    line = next(b for b in checklist.message().blocks if '"check_id":"other-location"' in b.get("block_id", ""))
    assert "\n📝 Called the *Leeds* store: none left\n" in slack_shows([line])  # as typed
    assert ("check_noted", ASSOCIATE, "other-location") in playbook_events(harness, case.id)
    [noted] = [e for e in harness.events(case.id) if e.kind == "check_noted"]
    assert noted.data["note"] == "Called the *Leeds* store: none left"

    checklist.escalate()
    alert = harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "is escalating" in m.text])[-1]
    assert "Tried, no luck: Called the *Leeds* store: none left" in slack_shows(alert.blocks)

    # Emptied, the note goes.
    view = checklist.open_modal(ASSOCIATE, "playbook_check:other-location", "playbook_check_note", selected="note")
    checklist.submit(view, {"check_note": ""})
    line = next(b for b in checklist.message().blocks if '"check_id":"other-location"' in b.get("block_id", ""))
    assert "📝" not in all_text([line])


# ---------------------------------------------------------------------- escalate, placement, robustness


def test_escalating_twice_in_a_row_alerts_the_managers_once(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    stale = checklist.message()
    checklist.escalate()
    harness.driver.click(COLLEAGUE, "case_action:escalate", message=stale)
    assert "didn't alert them twice" in ephemeral_text(harness, COLLEAGUE, "didn't alert them twice")
    assert len([m for m in harness.thread(case) if "is escalating" in m.text]) == 1


@pytest.mark.parametrize("config", [configured(playbooks={"checklist": "dm"})], ids=["dm"])
def test_the_checklist_can_go_to_the_owners_dm(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    message = checklist.message()
    assert message.channel == harness.fake.im_channel(ASSOCIATE).id
    assert not [m for m in harness.thread(case) if "Recovery checklist" in all_text(m.blocks)]
    checklist.escalate()  # the managers are still alerted in the case thread
    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "is escalating" in m.text])
    checklist.done("find-alternatives")
    assert checklist.step_line("alert-manager").startswith(":white_check_mark:")
    assert checklist.step_line("find-alternatives").startswith(":white_check_mark:")


def test_a_deleted_checklist_is_posted_again_on_the_next_change(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    old = checklist.message()
    harness.amends.client.chat_delete(channel=old.channel, ts=old.ts)  # someone tidied the thread
    checklist.done("alert-manager", message=old)
    assert checklist.row().message_ts != old.ts
    assert checklist.step_line("alert-manager").startswith(":white_check_mark:")


def test_the_satisfaction_step_is_answered_by_the_resolve_forms_score(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    with harness.amends.db.transaction() as session:  # every other required step dealt with
        now = harness.clock.now()
        for step in playbooks.checklist(session, case.id, now=now).steps:
            if step.required and step.is_open and step.id != "confirm-satisfaction":
                playbooks.waive_step(session, case.id, step.id, reason="test", actor_id=MANAGER, by_manager=True,
                                     now=now)
    # The step's own button opens the resolve form (not "can't be resolved yet" about the step it answers).
    assert checklist.buttons("confirm-satisfaction") == ["Record satisfaction", "Waive…", "Add note"]
    reply = harness.driver.click(ASSOCIATE, "case_action:record_satisfaction", message=checklist.message())
    assert reply.status == 200
    form = harness.modal("resolve_case")
    [score] = [b for b in form.view["blocks"] if b.get("block_id") == "satisfaction"]
    assert score["optional"] is False and "Required" in score["hint"]["text"]

    # Without a score: an error under the score; the form stays open with everything typed.
    typed = {"outcome": "customer_waited", "final_cost": "0", "lesson_cause": "The carrier lost a pallet.",
             "lesson_worked": "Calling the depot directly.", "item_0_text": "Ask the carrier for scan alerts",
             "item_0_owner": COLLEAGUE, "item_0_due": harness.clock.now().date() + timedelta(days=3)}
    answer = harness.driver.submit(form.id, typed).json()
    assert answer["response_action"] == "errors" and list(answer["errors"]) == ["satisfaction"]
    assert "Check they are satisfied" in answer["errors"]["satisfaction"]
    still = harness.fake.view(form.id)
    assert not still.closed and still.view == form.view  # not replaced: what was typed stays in the form
    assert harness.case(case.id).status == CaseStatus.OPEN
    assert not [e for e in harness.events(case.id) if e.kind == "resolution_recorded"]

    # With a score: resolved, and the step done by the person who resolved it.
    answer = harness.driver.submit(form.id, {**typed, "satisfaction": "4"}).json()
    assert answer["response_action"] == "update"
    harness.fake.wait_for(lambda: harness.case(case.id).status == CaseStatus.RESOLVED)
    harness.fake.wait_for(lambda: "resolved" in checklist.text())
    assert checklist.step_line("confirm-satisfaction").startswith(":white_check_mark:")
    assert f"done by <@{ASSOCIATE}>" in checklist.step_line("confirm-satisfaction")
    [done] = [e for e in harness.events(case.id) if e.kind == "step_done" and e.data["step"] == "confirm-satisfaction"]
    assert done.actor_id == ASSOCIATE and done.data["via"] == "resolution"

    # Reopening the case opens it again, like the closing step: the next resolution asks again.
    reopen = harness.driver.click(COLLEAGUE, "case_action:reopen", message=harness.case_message(harness.case(case.id)))
    assert reopen.status == 200
    view = harness.modal("reopen_case", user=COLLEAGUE)
    assert harness.driver.submit(view.id, {"reopen_reason": "The customer called back."}).status == 200
    harness.fake.wait_for(lambda: harness.case(case.id).status == CaseStatus.OPEN)
    with harness.amends.db.transaction() as session:
        step = playbooks.checklist(session, case.id, now=harness.clock.now()).step("confirm-satisfaction")
    assert step.is_open and step.status_by is None


def test_a_bare_done_on_the_satisfaction_step_is_refused_and_a_manager_may_still_waive_it(harness: Harness) -> None:
    from bot.errors import NotAllowed
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    with harness.amends.db.transaction() as session, pytest.raises(NotAllowed, match="Record satisfaction"):
        playbooks.complete_step(session, case.id, "confirm-satisfaction", actor_id=ASSOCIATE,
                                now=harness.clock.now())
    checklist = Checklist(harness, case.id)
    checklist.waive("confirm-satisfaction", "Customer asked us not to call again.")
    assert "waived by" in checklist.step_line("confirm-satisfaction")
