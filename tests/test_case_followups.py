"""What Slack shows after a case event, dispatched from the recorded events once they are committed, so
that a case opened or resolved through the service alone (an order system's API, the CLI) is posted and
followed in Slack exactly like one opened with /recover."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Case, Outcome
from bot.tracking import service as tracking
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, Harness, all_text


def open_without_slack(harness: Harness, customer: str = "Northwind Traders") -> Case:
    intake = CaseIntake(customer_name=customer, order_ref="SO-7001", promise="12 office chairs for the Leeds site",
                        promised_at=harness.clock.now() + timedelta(hours=20), cause="supplier-delay",
                        order_value=Decimal("2400"))
    with harness.amends.db.transaction() as session:
        return cases.open_case(session, intake, reporter_id=ASSOCIATE, config=harness.amends.config,
                               now=harness.clock.now(), lifecycle=harness.amends.lifecycle)


def resolve_without_slack(harness: Harness, case: Case) -> None:
    harness.waive_required_steps(case.id)
    details = tracking.ResolutionInput(Outcome.TOOK_ALTERNATIVE, Decimal("80"), "Supplier missed the sailing")
    with harness.amends.db.transaction() as session:
        tracking.resolve(session, case.id, details, actor_id=ASSOCIATE, now=harness.clock.now(),
                         lifecycle=harness.amends.lifecycle,
                         schedule=tracking.ItemSchedule(harness.amends.config.workspace.zone))


def checklist_text(harness: Harness, case: Case) -> str:
    return next(m.text for m in harness.thread(case) if "recovery checklist" in m.text)


def test_a_case_opened_through_the_service_alone_is_posted_with_its_manager_ping_dm_and_checklist(
        harness: Harness) -> None:
    opened = open_without_slack(harness)
    harness.fake.wait_for(lambda: harness.settled(opened.id))
    case = harness.case(opened.id)

    post = harness.case_message(case)
    assert post.channel == CASES_CHANNEL and "Northwind Traders" in all_text(post.blocks, post.text)
    thread = harness.thread(case)
    assert f"<@{MANAGER}>" in thread[0].text and case.ref in thread[0].text
    assert f"{case.ref} recovery checklist" in checklist_text(harness, case)
    dm = harness.fake.wait_for(lambda: harness.dms_containing(ASSOCIATE, case.ref))
    assert case.permalink in all_text(dm[-1].blocks)
    assert [e.kind for e in harness.events(case.id)][:3] == ["opened", "playbook_attached", "posted"]


def test_a_case_opened_and_resolved_at_once_is_posted_first_then_shown_resolved(harness: Harness) -> None:
    case = open_without_slack(harness)
    resolve_without_slack(harness, case)  # before its post has happened, most likely

    note = harness.fake.wait_for(lambda: harness.settled(case.id) and [
        m for m in harness.thread(harness.case(case.id)) if f"resolved *{case.ref}*" in m.text])
    case = harness.case(case.id)
    thread = harness.thread(case)
    assert f"<@{MANAGER}>" in thread[0].text  # the post and its alert came first
    assert "Took an alternative" in note[0].text and "Supplier missed the sailing" in note[0].text
    harness.settle()
    shown = all_text(harness.case_message(case).blocks)
    assert "Reopen case" in shown and "Resolve case" not in shown


def test_a_failing_follow_up_is_logged_with_the_case_and_the_others_still_run(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    case = harness.open_case()
    before = checklist_text(harness, case)
    harness.fake.fail_next("chat.update", "cant_update_message", status=200)  # the case message's refresh
    resolve_without_slack(harness, case)

    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if f"resolved *{case.ref}*" in m.text])
    harness.fake.wait_for(lambda: checklist_text(harness, case) != before)  # the checklist closed all the same
    harness.settle()
    [failed] = [r for r in caplog.records if r.levelno == logging.ERROR and "refresh_case" in r.getMessage()]
    assert f"after resolved of {case.ref} failed" in failed.getMessage()
    assert harness.dms_containing(ASSOCIATE, "something went wrong on my side")  # the person who resolved it


def test_nothing_follows_a_change_that_was_rolled_back(harness: Harness) -> None:
    with pytest.raises(RuntimeError), harness.amends.db.transaction() as session:
        intake = CaseIntake(customer_name="Never Saved Ltd", order_ref="SO-0", promise="a desk",
                            promised_at=harness.clock.now() + timedelta(days=1), cause="stock-out")
        cases.open_case(session, intake, reporter_id=ASSOCIATE, config=harness.amends.config,
                        now=harness.clock.now(), lifecycle=harness.amends.lifecycle)
        raise RuntimeError("the request failed after the case was added")
    harness.settle()
    assert harness.cases() == []
    assert harness.fake.messages(CASES_CHANNEL) == [] and harness.fake.dms(ASSOCIATE) == []
