"""What happens when input, Slack or the database misbehave while opening a case."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from bot.db import normalize_url
from bot.settings import SLACK_ANSWER_DEADLINE
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, Harness, all_text, pings, slack_shows


def test_missing_required_fields_get_field_errors_and_nothing_is_saved(harness: Harness) -> None:
    view = harness.open_intake()
    reply = harness.driver.submit(view.id, {"customer_name": "   ", "order_ref": None, "promise": None,
                                            "promised_at": None, "cause": None, "customer_contact": None,
                                            "new_date": None, "order_value": None, "customer_tier": None})
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"customer_name", "order_ref", "promise", "promised_at", "cause"}
    assert answer["errors"]["customer_name"] == "Please fill this in."
    assert harness.cases() == []
    assert harness.fake.view(view.id).errors  # the modal stays open with its errors shown


@pytest.mark.parametrize(("amount", "message"), [
    ("-5", "can't be negative"),
    ("12.345", "two decimal places"),
    ("twelve", "“twelve” isn't an amount; write it like £1,250.50."),
    ("1e30", "in digits"),
    ("99999999999", "That is more than £9,999,999,999.99"),
    ("12,50", "Did you mean 12.5?"),  # a comma is not a decimal point in en_GB: never 1250
    ("40 €", "Amounts here are in GBP"),
])
def test_bad_amounts_get_a_field_error(harness: Harness, amount: str, message: str) -> None:
    view = harness.open_intake()
    answer = harness.driver.submit(view.id, harness.intake_values(order_value=amount)).json()
    assert answer["response_action"] == "errors"
    assert message in answer["errors"]["order_value"]
    assert harness.cases() == []


def test_a_new_date_in_the_past_is_refused(harness: Harness) -> None:
    view = harness.open_intake()
    answer = harness.driver.submit(view.id, harness.intake_values(
        new_date=harness.clock.now() - timedelta(days=2))).json()
    assert "already passed" in answer["errors"]["new_date"]


def test_every_fields_problem_is_reported_on_one_submit(harness: Harness) -> None:
    """A bad timezone, a past new date and a bad amount are all named at once, not one per submit."""
    view = harness.open_intake()
    answer = harness.driver.submit(view.id, harness.intake_values(
        customer_timezone="Nowhereville", new_date=harness.clock.now() - timedelta(days=2),
        order_value="twelve")).json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"customer_timezone", "new_date", "order_value"}
    assert "timezone" in answer["errors"]["customer_timezone"]
    assert "already passed" in answer["errors"]["new_date"]
    assert harness.cases() == []


def test_long_fields_and_odd_unicode_are_saved_intact(harness: Harness) -> None:
    odd = "Zoë 👩🏽‍🔧 שלום مرحبا \u200f\u202e e\u0301 \U0001F1EC\U0001F1E7 \u0000\ufeff"
    long_name = (odd * 200)[:3000]
    long_promise = ("12 chairs & 3 <desks> " * 200)[:3000]
    case = harness.open_case(customer_name=long_name, promise=long_promise, notes="x" * 3000,
                             order_ref="ß-∆-" + "9" * 2990)
    assert case.customer_name == long_name.replace("\x00", "")  # NUL alone is dropped (see CaseIntake)
    assert case.promise == long_promise
    assert case.notes == "x" * 3000
    assert len(case.order_ref) == 2994
    # The channel post fits Slack's limits (the fake would have refused it otherwise).
    assert harness.case_message(case).blocks


def test_customer_text_cannot_ping_anyone(harness: Harness) -> None:
    hostile = "<!channel> <@U0OUTSIDE1> <!subteam^S0123> <https://evil.example|click> &amp;"
    case = harness.open_case(customer_name=hostile, promise=hostile, notes=hostile, order_ref=hostile)
    assert case.customer_name == hostile  # stored as typed

    seen = [harness.case_message(case)] + harness.fake.wait_for(lambda: harness.thread(case)) \
        + harness.fake.dms(ASSOCIATE)
    for message in seen:
        for dangerous in ["!channel", "@U0OUTSIDE1", "!subteam^S0123", "https://evil", "channel", "U0OUTSIDE1"]:
            assert not any(dangerous in ping for ping in pings(message.blocks, message.text)), (dangerous, message)
    # Shown exactly as typed: the angle brackets and "&amp;" literally, not as an ampersand.
    assert hostile in slack_shows(harness.case_message(case).blocks)
    assert f"<@{MANAGER}>" in harness.thread(case)[0].text  # the real ping still works


def test_formatting_characters_typed_by_a_person_show_as_typed(harness: Harness) -> None:
    """`*bold*`, `_x_`, `~x~` and backticks in a name, promise or notes are not mrkdwn: the case message,
    the managers' ping and the confirmation show them exactly as typed (they vanished into formatting)."""
    name = "*Bold* & Sons _UK_"
    promise = "`65 TV` for ~Leeds~ *today*"
    notes = "Shelf said 3 *in stock*; ~none~ there _really_"
    view = harness.open_intake()
    answer = harness.driver.submit(view.id, harness.intake_values(customer_name=name, promise=promise,
                                                                  notes=notes)).json()
    assert name in slack_shows(answer["view"]["blocks"])  # the confirmation in the modal
    case = harness.latest_case()
    harness.fake.wait_for(lambda: harness.settled(case.id))
    case = harness.case(case.id)

    post = harness.case_message(case)
    shown = slack_shows(post.blocks)
    for typed in (name, promise, notes):
        assert typed in shown, typed
    ping = next(m for m in harness.fake.wait_for(lambda: harness.thread(case)) if f"<@{MANAGER}>" in m.text)
    assert f"AM-1 for {name} is at risk" in slack_shows(ping.blocks)
    for message in [post, ping]:  # the notification text is mrkdwn, never the marks used inside blocks
        assert "\ue000" not in message.text and "\ue001" not in message.text
        assert "\ue000" not in all_text(message.blocks)


def test_a_database_failure_mid_save_leaves_no_partial_rows(harness: Harness) -> None:
    engine = harness.amends.db.engine

    def fail_on_event_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO CASE_EVENTS"):
            raise OperationalError(statement, {}, Exception("server closed the connection unexpectedly"))

    view = harness.open_intake()
    event.listen(engine, "before_cursor_execute", fail_on_event_insert)
    try:
        answer = harness.driver.submit(view.id, harness.intake_values()).json()
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_event_insert)

    assert answer["response_action"] == "errors"
    assert "couldn't reach the Amends database" in answer["errors"]["customer_name"]
    assert harness.cases() == []  # the case row inserted before the failure was rolled back
    assert harness.fake.messages(CASES_CHANNEL) == []

    # Everything typed is still in the open modal; submitting again once the database is back works.
    answer = harness.driver.submit(view.id, harness.intake_values()).json()
    assert answer["response_action"] == "update"
    assert len(harness.cases()) == 1


LOCK_TIMEOUT = 0.5


@pytest.mark.parametrize("environment", [{"AMENDS_DATABASE_LOCK_TIMEOUT": str(LOCK_TIMEOUT)}],
                         ids=[f"lock_timeout={LOCK_TIMEOUT}"])
def test_a_locked_database_gives_a_clear_error_within_slacks_deadline(harness: Harness, db_url: str) -> None:
    sqlite = db_url.startswith("sqlite")
    with harness.amends.db.engine.connect() as conn:  # the bot's own connections wait that long for a lock
        waits = conn.execute(text("PRAGMA busy_timeout" if sqlite else "SHOW lock_timeout")).scalar()
    millis = round(LOCK_TIMEOUT * 1000)
    assert waits == (millis if sqlite else f"{millis}ms")
    view = harness.open_intake()
    release = threading.Event()
    locked = threading.Event()

    def hold_lock() -> None:
        if sqlite:
            conn = sqlite3.connect(db_url.removeprefix("sqlite:///"))
            conn.execute("BEGIN EXCLUSIVE")
            locked.set()
            release.wait(10)
            conn.rollback()
            conn.close()
        else:
            engine = create_engine(normalize_url(db_url))
            with engine.begin() as conn:
                conn.execute(text("LOCK TABLE cases IN ACCESS EXCLUSIVE MODE"))
                locked.set()
                release.wait(10)
            engine.dispose()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        answer = harness.driver.submit(view.id, harness.intake_values()).json()
        elapsed = time.monotonic() - started
    finally:
        release.set()
        holder.join()
    assert answer["response_action"] == "errors"
    assert "database" in answer["errors"]["customer_name"]
    # It waited for the lock as long as it was told to, then gave up and answered within Slack's deadline.
    # The answer itself takes milliseconds: the rest of the 3 seconds is margin for a loaded machine.
    assert LOCK_TIMEOUT <= elapsed < SLACK_ANSWER_DEADLINE
    assert harness.cases() == []


def test_bot_outside_the_cases_channel_tells_the_associate_how_to_fix_it(harness: Harness) -> None:
    harness.fake.channels[CASES_CHANNEL].members.discard(harness.fake.bot_user_id)
    case = harness.open_case(wait_posted=False)

    dm = harness.fake.wait_for(lambda: harness.fake.dms(ASSOCIATE))[-1]
    assert case.ref in dm.text and "/invite @Amends" in dm.text
    assert harness.case(case.id).message_ts is None  # saved, not posted
    assert [e.kind for e in harness.events(case.id)] == ["opened", "playbook_attached", "post_failed"]

    # The associate invites the bot and presses the button.
    harness.fake.channels[CASES_CHANNEL].members.add(harness.fake.bot_user_id)
    reply = harness.driver.click(ASSOCIATE, "case_post_retry", message=dm)
    assert reply.status == 200
    posted = harness.fake.wait_for(lambda: harness.case(case.id).message_ts)
    assert posted
    assert harness.fake.wait_for(lambda: "is posted" in harness.fake.message(dm.channel, dm.ts).text)
    assert len(harness.fake.messages(CASES_CHANNEL)) == 1

    # A second click on the (stale) button does not post twice.
    calls_before = len(harness.fake.calls("response_url"))
    harness.driver.click(ASSOCIATE, "case_post_retry", message=dm)
    harness.fake.wait_for(lambda: len(harness.fake.calls("response_url")) > calls_before)
    assert len(harness.fake.messages(CASES_CHANNEL)) == 1


def test_private_cases_channel_without_the_bot_explains_the_invite(harness: Harness) -> None:
    channel = harness.fake.channels[CASES_CHANNEL]
    channel.is_private = True
    channel.members.discard(harness.fake.bot_user_id)
    case = harness.open_case(wait_posted=False)
    dm = harness.fake.wait_for(lambda: harness.fake.dms(ASSOCIATE))[-1]
    assert "private" in dm.text and "/invite @Amends" in dm.text
    assert harness.case(case.id).ref == case.ref


@pytest.mark.answer_budget
def test_rate_limited_posts_are_retried_after_retry_after(harness: Harness) -> None:
    # Longer than the person's database budget: the work queued by their submission has its own.
    harness.fake.rate_limit_next("chat.postMessage", retry_after=3)
    case = harness.open_case()
    assert case.message_ts
    calls = harness.fake.calls("chat.postMessage")
    assert calls[0].error == "ratelimited" and calls[1].ok


def test_an_expired_trigger_tells_the_user_to_try_again(harness: Harness) -> None:
    harness.fake.trigger_ttl = 0.0
    harness.command("")
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "too little time" in answer.text
    assert harness.fake.open_view(ASSOCIATE) is None


def test_an_unexpected_error_is_logged_with_a_reference_the_user_sees(
        harness: Harness, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from bot.cases import service

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "open_cases_owned_by", broken)
    harness.command("list")
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "something went wrong" in answer.text
    ref = answer.text.split("`")[1]
    assert ref.startswith("E-")
    assert any(ref in record.getMessage() for record in caplog.records)


def test_help_and_typos_show_usage(harness: Harness) -> None:
    harness.command("help")
    usage = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "/recover list" in all_text(usage.blocks)

    harness.command("lsit")
    typo = harness.fake.wait_for(lambda: len(harness.fake.ephemerals(ASSOCIATE)) == 2 and
                                 harness.fake.ephemerals(ASSOCIATE)[-1])
    assert "did you mean `/recover list`" in typo.text
    # The associate really meant to open a case: the button opens the form with the note.
    harness.driver.click(ASSOCIATE, "open_intake", ephemeral=typo)
    view = harness.fake.wait_for(lambda: harness.fake.open_view(ASSOCIATE))
    notes = next(b for b in view.view["blocks"] if b.get("block_id") == "notes")
    assert notes["element"]["initial_value"] == "lsit"
