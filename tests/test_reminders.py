"""Status-update reminders and escalations, on a controllable clock (Monday 23 Nov 2026, 09:00 London)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.cases import service as cases
from bot.cases.models import Outcome
from bot.reminders import service
from bot.reminders.models import Reminder, ReminderState
from tests.support import ASSOCIATE, COLLEAGUE, MANAGER, Harness, all_text, waive_required_steps

MON = datetime(2026, 11, 23, tzinfo=UTC)
UPDATE = "Time to update"


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def reminders(harness: Harness, kind: str | None = None) -> list[Reminder]:
    with harness.amends.db.transaction() as session:
        query = select(Reminder).order_by(Reminder.id)
        if kind:
            query = query.where(Reminder.kind == kind)
        return list(session.scalars(query))


def status_dm(harness: Harness, user: str = ASSOCIATE) -> Any:
    return harness.dms_containing(user, UPDATE)[-1]


def thread_texts(harness: Harness, case: Any) -> list[str]:
    return [m.text for m in harness.thread(case)]


def test_status_updates_follow_the_severity_cadence_within_working_hours(harness: Harness) -> None:
    harness.open_case()  # high severity: every 4 hours, 09:00-18:00 Mon-Fri
    harness.tick(at(MON, 12, 59))
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    harness.tick(at(MON, 13))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    harness.tick(at(MON, 17))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 2
    harness.tick(at(MON, 21))  # 17:00 + 4 h falls after hours: it waits for the morning
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 2
    harness.tick(at(MON + timedelta(days=1), 9))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 3


def test_a_low_severity_case_is_reminded_every_two_days(harness: Harness) -> None:
    harness.open_case(promised_at=MON + timedelta(days=10), order_value="100", customer_tier="standard",
                      new_date=None)
    harness.tick(at(MON + timedelta(days=1), 17))
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    harness.tick(at(MON + timedelta(days=2), 9))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1


def test_reminders_wait_for_monday_over_the_weekend(harness: Harness) -> None:
    friday = MON + timedelta(days=4)
    harness.clock.set(at(friday, 16))
    harness.open_case(promised_at=friday + timedelta(days=3), new_date=None)
    harness.tick(at(friday + timedelta(days=1), 12))  # Saturday
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    harness.tick(at(friday + timedelta(days=3), 9))  # Monday morning
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1


def test_deadline_near_goes_to_the_owner_then_the_managers(harness: Harness) -> None:
    case = harness.open_case()  # due Tuesday 05:00, customer not told
    harness.tick(at(MON, 10))
    warning = harness.dms_containing(ASSOCIATE, "hasn't been told yet")
    assert len(warning) == 1 and case.ref in warning[0].text
    harness.tick(at(MON, 17, 30))
    escalation = [t for t in thread_texts(harness, case) if "still hasn't been told" in t]
    assert len(escalation) == 1 and f"<@{MANAGER}>" in escalation[0]


def test_a_deadline_nudge_for_a_case_opened_at_night_lands_in_working_hours(harness: Harness) -> None:
    """Opened at 00:27 and due at 20:27: 24 hours before the deadline has passed, but 09:00 is still before
    it, so the owner hears at 09:00, not at 01:27."""
    harness.clock.set(at(MON, 0, 27))
    case = harness.open_case(promised_at=at(MON, 20, 27))
    harness.tick(at(MON, 1, 30))
    harness.tick(at(MON, 8, 59))
    assert harness.dms_containing(ASSOCIATE, "hasn't been told yet") == []
    harness.tick(at(MON, 9))
    warning = harness.dms_containing(ASSOCIATE, "hasn't been told yet")
    assert len(warning) == 1 and case.ref in warning[0].text
    assert "outside working hours" not in all_text(warning[0].blocks)
    harness.tick(at(MON, 16, 27))  # the managers' nudge, 4 hours before, is within working hours
    assert any("still hasn't been told" in t for t in thread_texts(harness, case))


def test_a_deadline_with_no_working_hour_left_is_nudged_at_once_and_says_so(harness: Harness) -> None:
    harness.clock.set(at(MON, 18, 30))
    harness.open_case(promised_at=at(MON, 23))
    harness.tick(at(MON, 19, 30))  # an hour's grace after opening: the managers were just alerted
    warning = harness.dms_containing(ASSOCIATE, "hasn't been told yet")
    assert len(warning) == 1 and "Sent outside working hours" in all_text(warning[0].blocks)


def test_telling_the_customer_calls_off_the_deadline_escalation(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 10))
    warning = harness.dms_containing(ASSOCIATE, "hasn't been told yet")[0]
    harness.driver.click(ASSOCIATE, "reminder_customer_told", message=warning)
    harness.fake.wait_for(lambda: "Customer told, noted by" in all_text(
        harness.fake.message(warning.channel, warning.ts).blocks))
    assert harness.case(case.id).customer_contacted_at == at(MON, 10)
    harness.tick(at(MON, 17, 30))
    assert not [t for t in thread_texts(harness, case) if "still hasn't been told" in t]


def test_an_unanswered_status_reminder_escalates_to_the_managers(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 13))
    harness.tick(at(MON, 17))
    escalation = [t for t in thread_texts(harness, case) if "hasn't answered" in t]
    assert len(escalation) == 1 and f"<@{MANAGER}>" in escalation[0] and f"<@{ASSOCIATE}>" in escalation[0]


def test_update_sent_calls_off_the_escalation(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 13))
    reminder = status_dm(harness)
    harness.driver.click(ASSOCIATE, "reminder_update_sent", message=reminder)
    harness.fake.wait_for(lambda: "Update sent, noted by" in all_text(
        harness.fake.message(reminder.channel, reminder.ts).blocks))
    harness.tick(at(MON, 17))
    assert not [t for t in thread_texts(harness, case) if "hasn't answered" in t]
    assert "reminder_update_sent" in [e.kind for e in harness.events(case.id)]


def test_snooze_moves_only_that_reminder(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 13))
    reminder = status_dm(harness)
    harness.driver.click(ASSOCIATE, "reminder_snooze", message=reminder, selected="1h")
    harness.fake.wait_for(lambda: "Snoozed by" in all_text(harness.fake.message(reminder.channel, reminder.ts).blocks))
    harness.tick(at(MON, 13, 59))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    harness.tick(at(MON, 14))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 2
    harness.tick(at(MON, 17, 30))  # the deadline watch was not snoozed
    assert [t for t in thread_texts(harness, case) if "still hasn't been told" in t]


def test_hand_over_makes_the_colleague_owner_and_recipient(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 13))
    harness.driver.click(ASSOCIATE, "reminder_handover", message=status_dm(harness), selected=COLLEAGUE)
    harness.fake.wait_for(lambda: f"<@{COLLEAGUE}>" in all_text(harness.case_message(case).blocks))
    assert harness.case(case.id).owner_id == COLLEAGUE
    assert harness.dms_containing(COLLEAGUE, "handed ")
    harness.tick(at(MON, 17))
    assert len(harness.dms_containing(COLLEAGUE, UPDATE)) == 1
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    assert "owner_changed" in [e.kind for e in harness.events(case.id)]


def test_hand_over_to_a_bot_is_refused_kindly(harness: Harness) -> None:
    case = harness.open_case()
    harness.tick(at(MON, 13))
    harness.driver.click(ASSOCIATE, "reminder_handover", message=status_dm(harness),
                         selected=harness.fake.bot_user_id)
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "Please pick a colleague" in answer.text
    assert harness.case(case.id).owner_id == ASSOCIATE


def test_resolving_stops_reminders_and_schedules_the_satisfaction_follow_up(harness: Harness) -> None:
    case = harness.open_case()
    harness.clock.set(at(MON, 11))
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        cases.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                           outcome=Outcome.CUSTOMER_WAITED, lifecycle=harness.amends.lifecycle)
    harness.tick(at(MON + timedelta(days=2), 17))
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    assert not [t for t in thread_texts(harness, case) if "still hasn't been told" in t]
    harness.tick(at(MON + timedelta(days=3), 11))
    assert len(harness.dms_containing(ASSOCIATE, "are they satisfied")) == 1


def test_no_update_reminder_for_a_case_closed_after_it_was_claimed(harness: Harness,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    case = harness.open_case()
    real_claim = service.claim_due

    def claim_then_close(session: Any, **kwargs: Any) -> list[int]:
        claimed = real_claim(session, **kwargs)
        waive_required_steps(session, case.id, kwargs["now"])  # closed by someone, a moment later
        cases.resolve_case(session, case.id, actor_id=ASSOCIATE, now=kwargs["now"], outcome=Outcome.PROMISE_KEPT,
                           lifecycle=harness.amends.lifecycle)
        return claimed

    monkeypatch.setattr(service, "claim_due", claim_then_close)
    harness.tick(at(MON, 13))
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    status = reminders(harness, "status_update")[0]
    assert status.state == ReminderState.CANCELLED and status.closed_reason == "case resolved"


def test_downtime_yields_one_reminder_not_one_per_missed_interval(harness: Harness) -> None:
    harness.open_case(promised_at=MON + timedelta(days=5), new_date=None)  # medium severity: daily
    harness.tick(at(MON + timedelta(days=2), 15))  # the bot was down from Monday to Wednesday afternoon
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    pending = [r for r in reminders(harness, "status_update") if r.state == ReminderState.PENDING]
    assert [r.due_at for r in pending] == [at(MON + timedelta(days=3), 15)]  # a day after it was sent


def test_rate_limits_hold_one_reminder_without_blocking_the_others(harness: Harness) -> None:
    harness.open_case()
    harness.open_case(user=COLLEAGUE)
    harness.tick(at(MON, 10))  # deadline warnings go out first
    harness.tick(at(MON, 12, 59))  # and the first playbook step's reminder
    harness.fake.rate_limit_next("chat.postMessage", retry_after=30)
    harness.tick(at(MON, 13))
    sent = len(harness.dms_containing(ASSOCIATE, UPDATE)) + len(harness.dms_containing(COLLEAGUE, UPDATE))
    assert sent == 1
    held = [r for r in reminders(harness, "status_update") if r.state == ReminderState.PENDING
            and r.due_at == at(MON, 13, 0) + timedelta(seconds=30)]
    assert len(held) == 1 and held[0].attempts == 0  # a rate limit is not a failed attempt
    harness.tick(advance=timedelta(seconds=30))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == len(harness.dms_containing(COLLEAGUE, UPDATE)) == 1


def test_a_long_retry_after_puts_the_channels_queue_back_and_lets_other_channels_go(harness: Harness) -> None:
    harness.open_case()
    harness.open_case()
    harness.open_case()  # three status updates for the same DM...
    harness.open_case(user=COLLEAGUE)  # ...and one for another
    harness.tick(at(MON, 10))
    harness.tick(at(MON, 12, 59))
    harness.fake.limit_posts_per_channel(1 / 60, burst=1)  # one post a DM, then "Retry-After: 60"
    harness.tick(at(MON, 13))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == len(harness.dms_containing(COLLEAGUE, UPDATE)) == 1
    held = [r for r in reminders(harness, "status_update") if r.state == ReminderState.PENDING
            and r.due_at == at(MON, 13) + timedelta(seconds=60)]
    # The second was told to wait 60 s; it and the one queued behind it wait in the database, not as attempts.
    assert len(held) == 2 and {r.attempts for r in held} == {0}
    harness.fake.limit_posts_per_channel(1000, burst=1000)
    harness.tick(advance=timedelta(seconds=60))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 3


def test_a_short_retry_after_is_waited_out_within_the_sweep(harness: Harness) -> None:
    harness.open_case()
    harness.open_case(user=COLLEAGUE)
    harness.tick(at(MON, 10))
    harness.tick(at(MON, 12, 59))
    harness.fake.rate_limit_next("chat.postMessage", retry_after=1)
    harness.tick(at(MON, 13))  # one sweep: the held channel posts once Slack's second has passed
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == len(harness.dms_containing(COLLEAGUE, UPDATE)) == 1
    status = reminders(harness, "status_update")
    assert {r.state for r in status if r.due_at == at(MON, 13)} == {ReminderState.SENT}
    assert [c.error for c in harness.fake.calls("chat.postMessage")].count("ratelimited") == 1


def test_a_recheck_is_read_after_it_was_asked_even_while_another_is_being_read() -> None:
    import threading

    from bot.slack.reminders import _Rechecks

    status = {1: "open"}
    reading, release = threading.Event(), threading.Event()
    reads: list[set[int]] = []

    def read(ids: set[int]) -> dict[int, str]:
        reads.append(set(ids))
        answer = {i: status[i] for i in ids}
        if len(reads) == 1:
            reading.set()
            release.wait(5)
        return answer

    rechecks = _Rechecks(read)
    first: list[str | None] = []
    asker = threading.Thread(target=lambda: first.append(rechecks.status(1)))
    asker.start()
    reading.wait(5)  # the first read has read "open" and is still under way...
    status[1] = "resolved"  # ...when the case is closed and a second poster asks
    later: list[str | None] = []
    second = threading.Thread(target=lambda: later.append(rechecks.status(1)))
    second.start()
    release.set()
    asker.join(5)
    second.join(5)
    assert first == ["open"] and later == ["resolved"]  # not the answer of the read already under way
    assert len(reads) == 2


def test_rechecks_answer_every_poster_while_old_answers_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    from bot.slack import reminders as sender

    monkeypatch.setattr(sender, "RECHECK_ANSWERS_KEPT", 3)  # dropped all the time

    def read(ids: set[int]) -> dict[int, str]:
        time.sleep(0.001)
        return {i: "open" if i % 2 else "resolved" for i in ids}

    rechecks = sender._Rechecks(read)
    wrong: list[tuple[int, Any]] = []

    def poster(first: int) -> None:
        for case_id in range(first, first + 300):
            try:
                answer = rechecks.status(case_id)
            except Exception as exc:  # noqa: BLE001 - what the test looks for
                answer = exc
            if answer != ("open" if case_id % 2 else "resolved"):
                wrong.append((case_id, answer))

    posters = [threading.Thread(target=poster, args=(n * 1000,)) for n in range(8)]
    for thread in posters:
        thread.start()
    for thread in posters:
        thread.join(30)
    assert wrong == []


def test_server_errors_retry_with_backoff_then_fail_and_are_reported(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    with harness.amends.db.transaction() as session:  # steps falling due at 13:00 would share the failures
        for step in ("find-alternatives", "contact-customer"):
            playbooks.complete_step(session, case.id, step, actor_id=ASSOCIATE, now=at(MON, 9, 30))
    harness.tick(at(MON, 10))
    harness.tick(at(MON, 12, 59))  # and the first playbook step's reminder
    harness.fake.fail_next("chat.postMessage", "internal_error", status=500, count=5)
    harness.tick(at(MON, 13))
    for wait in (30, 60, 120, 240):
        harness.tick(advance=timedelta(seconds=wait))
    status = reminders(harness, "status_update")[0]
    assert status.state == ReminderState.FAILED and status.attempts == 5
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    assert [t for t in thread_texts(harness, case) if "couldn't deliver the status update reminder" in t]


def test_an_answer_lost_after_slack_posted_is_not_posted_twice(harness: Harness) -> None:
    harness.open_case()
    harness.tick(at(MON, 10))
    harness.tick(at(MON, 12, 59))  # and the first playbook step's reminder
    harness.fake.fail_after_next("chat.postMessage", "internal_error", status=500)
    harness.tick(at(MON, 13))
    status = reminders(harness, "status_update")[0]
    assert status.state == ReminderState.PENDING and status.uncertain
    harness.tick(advance=timedelta(seconds=30))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    assert reminders(harness, "status_update")[0].state == ReminderState.SENT


def test_a_post_landed_before_a_crash_is_found_however_busy_the_dm_has_been_since(harness: Harness) -> None:
    harness.open_case()
    harness.tick(at(MON, 10))
    harness.tick(at(MON, 12, 59))  # and the first playbook step's reminder
    harness.fake.fail_after_next("chat.postMessage", "internal_error", status=500)
    harness.tick(at(MON, 13))  # posted, but the bot never heard so
    dm = harness.fake.im_channel(ASSOCIATE).id
    for n in range(250):  # a busy DM: far more than one page of history since
        harness.fake.post_as_user(ASSOCIATE, dm, f"note to self {n}")
    harness.tick(advance=timedelta(seconds=30))
    assert len(harness.dms_containing(ASSOCIATE, UPDATE)) == 1
    assert reminders(harness, "status_update")[0].state == ReminderState.SENT


def test_a_permanent_error_fails_at_once_and_is_reported(harness: Harness) -> None:
    case = harness.open_case()
    with harness.amends.db.transaction() as session:
        cases.get_case(session, case.id).owner_id = "U0LEFTCOMP"  # an account that no longer exists
    harness.tick(at(MON, 10))
    deadline = reminders(harness, "deadline_near")[0]
    assert deadline.state == ReminderState.FAILED and deadline.attempts == 1
    assert deadline.last_error == "channel_not_found"
    assert [t for t in thread_texts(harness, case) if "couldn't deliver" in t]


def test_no_update_reminder_for_a_case_closed_while_the_batch_was_being_sent(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.slack.reminders import ReminderSender

    case = harness.open_case()
    real_prepare = ReminderSender._prepare

    def prepare_then_close(self: ReminderSender, ids: list[int], token: str, *rest: Any) -> Any:
        prepared = real_prepare(self, ids, token, *rest)
        with harness.amends.db.transaction() as session:
            waive_required_steps(session, case.id, harness.clock.now())
            cases.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                               outcome=Outcome.PROMISE_KEPT, lifecycle=harness.amends.lifecycle)
        return prepared

    monkeypatch.setattr(ReminderSender, "_prepare", prepare_then_close)
    harness.tick(at(MON, 13))
    assert harness.dms_containing(ASSOCIATE, UPDATE) == []
    assert reminders(harness, "status_update")[0].closed_reason == "case resolved"


# ---------------------------------------------------------------------- playbook steps that fall due

STEP_DUE = "A step of"


def step_dms(harness: Harness, title: str, user: str = ASSOCIATE) -> list[Any]:
    return [m for m in harness.dms_containing(user, title) if STEP_DUE in all_text(m.blocks, m.text)]


def test_an_open_step_that_falls_due_reminds_its_owner_once(harness: Harness) -> None:
    harness.clock.set(at(MON, 9))
    case = harness.open_case()  # late delivery: "Try to still keep the promise" is due 2 h after opening
    harness.tick(at(MON, 10, 59))
    assert step_dms(harness, "Try to still keep the promise") == []
    harness.tick(at(MON, 11, 1))
    reminded = step_dms(harness, "Try to still keep the promise")
    assert len(reminded) == 1 and case.ref in reminded[0].text
    harness.tick(at(MON, 12))
    harness.tick(at(MON, 15))
    assert len(step_dms(harness, "Try to still keep the promise")) == 1


def test_a_step_reminder_carries_the_steps_own_action(harness: Harness) -> None:
    harness.clock.set(at(MON, 9))
    harness.open_case()
    harness.tick(at(MON, 13, 1))  # "Contact the customer now" (draft_message) fell due at 13:00
    [reminder] = step_dms(harness, "Contact the customer now")
    action_ids = [e.get("action_id") for b in reminder.blocks if b["type"] == "actions" for e in b["elements"]]
    assert "case_action:draft_message" in action_ids


def test_a_step_done_in_time_gets_no_reminder(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    harness.clock.set(at(MON, 9))
    case = harness.open_case()
    with harness.amends.db.transaction() as session:
        playbooks.complete_step(session, case.id, "find-alternatives", actor_id=ASSOCIATE, now=at(MON, 10))
    harness.tick(at(MON, 13, 30))  # due at 13:00
    assert step_dms(harness, "Find an alternative") == []
    assert len(step_dms(harness, "Contact the customer now")) == 1


def test_a_step_due_after_hours_waits_for_the_morning_and_is_dropped_if_done_by_then(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    harness.clock.set(at(MON, 16))
    case = harness.open_case(promised_at=MON + timedelta(days=5), new_date=None)
    harness.tick(at(MON, 20, 5))  # "Find an alternative" fell due at 20:00, outside working hours
    assert step_dms(harness, "Find an alternative") == []
    [row] = [r for r in reminders(harness, "step_due") if r.payload["step_id"] == "find-alternatives"]
    assert row.due_at == at(MON + timedelta(days=1), 9)
    with harness.amends.db.transaction() as session:
        playbooks.complete_step(session, case.id, "find-alternatives", actor_id=ASSOCIATE, now=at(MON, 21))
    harness.tick(at(MON + timedelta(days=1), 9, 1))
    assert step_dms(harness, "Find an alternative") == []
    [row] = [r for r in reminders(harness, "step_due") if r.payload["step_id"] == "find-alternatives"]
    assert row.state == ReminderState.CANCELLED and row.closed_reason == "step no longer open"


def test_resolving_the_case_stops_step_reminders(harness: Harness) -> None:
    harness.clock.set(at(MON, 9))
    case = harness.open_case()
    with harness.amends.db.transaction() as session:
        waive_required_steps(session, case.id, at(MON, 10))
        cases.resolve_case(session, case.id, outcome=Outcome.CUSTOMER_WAITED, actor_id=ASSOCIATE,
                           now=at(MON, 10), lifecycle=harness.amends.lifecycle)
    harness.tick(at(MON, 16))
    assert [m for m in harness.fake.dms(ASSOCIATE) if STEP_DUE in all_text(m.blocks, m.text)] == []


def test_customer_told_on_a_reminder_completes_the_contact_step(harness: Harness) -> None:
    from bot.playbooks import service as playbooks

    case = harness.open_case()
    harness.tick(at(MON, 10))
    [warning] = harness.dms_containing(ASSOCIATE, "hasn't been told yet")
    harness.driver.click(ASSOCIATE, "reminder_customer_told", message=warning)
    harness.fake.wait_for(lambda: harness.case(case.id).customer_contacted_at is not None)
    harness.settle()
    with harness.amends.db.transaction() as session:
        checklist = playbooks.checklist(session, case.id, now=harness.clock.now())
    assert checklist is not None
    assert {s.id: s.status for s in checklist.steps}["contact-customer"] == "done"
