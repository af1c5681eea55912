"""A case saved but never posted (the bot died between the ack and the post) is posted once, by a sweep."""

from __future__ import annotations

import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build
from bot.cases import service as cases
from bot.cases.intake import CaseIntake
from bot.cases.models import Case
from bot.db import Database
from bot.sandbox.driver import SlackDriver
from bot.sandbox.fake_slack import FakeSlack
from bot.slack import case_posts
from tests.conftest import make_settings
from tests.processes import BotProcess, bots
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, SIGNING_SECRET, Harness, intake_values


def saved_not_posted(harness: Harness, db_url: str) -> int:
    """What the bot leaves behind when it is killed right after acknowledging the intake form: the case
    saved (here through a connection of another process, so this bot's follow-ups don't post it)."""
    now = harness.clock.now()
    elsewhere = Database(db_url)
    try:
        with elsewhere.transaction() as session:
            case = cases.open_case(session, CaseIntake(customer_name="Northwind Traders", order_ref="SO-1",
                                                       promise="12 chairs", promised_at=now + timedelta(days=2),
                                                       cause="supplier-delay"),
                                   reporter_id=ASSOCIATE, config=harness.amends.config, now=now,
                                   lifecycle=harness.amends.lifecycle)
            return case.id
    finally:
        elsewhere.dispose()


def case_messages(fake: FakeSlack) -> list[str]:
    return [m.ts for m in fake.messages(CASES_CHANNEL) if (m.metadata or {}).get("event_type") == "amends_case"]


def told(fake: FakeSlack) -> list[object]:
    """The owner's confirmation that the case is posted (a DM)."""
    return [c for c in fake.calls("chat.postMessage") if c.ok and c.args.get("channel") == ASSOCIATE
            and "is saved and posted" in str(c.args.get("text"))]


def test_a_case_never_posted_is_posted_after_a_minute_and_only_once(harness: Harness, db_url: str) -> None:
    case_id = saved_not_posted(harness, db_url)
    harness.tick(advance=timedelta(seconds=30))
    assert case_messages(harness.fake) == []  # the bot that saved it may still be posting it
    harness.tick(advance=timedelta(seconds=31))
    harness.fake.wait_for(lambda: harness.case(case_id).has_thread)
    case = harness.case(case_id)
    assert case_messages(harness.fake) == [case.message_ts]
    assert harness.thread(case) and MANAGER in harness.thread(case)[0].text  # the managers were alerted
    assert harness.dms_containing(ASSOCIATE, case.ref)  # and the owner told it is posted
    harness.tick(advance=timedelta(minutes=5))
    assert len(case_messages(harness.fake)) == 1


def test_replicas_sweeping_together_post_it_once(harness: Harness, db_url: str) -> None:
    case_id = saved_not_posted(harness, db_url)
    other = build(make_settings(db_url, harness.fake), config=harness.amends.config, clock=harness.clock,
                  migrate=False)
    try:
        now = harness.clock.now() + timedelta(minutes=2)
        with ThreadPoolExecutor(2) as pool:
            posted = list(pool.map(lambda amends: case_posts.sweep(amends.wiring, now), [harness.amends, other]))
    finally:
        other.close()
    assert sorted(posted) == [0, 1]
    assert case_messages(harness.fake) == [harness.case(case_id).message_ts]


@pytest.mark.parametrize("killed", ["before the post", "after the post, before it was recorded"])
def test_a_bot_killed_after_the_ack_loses_no_case(fake_slack: FakeSlack, db_url: str, tmp_path: Path,
                                                  killed: str) -> None:
    config = tmp_path / "amends.yaml"
    config.write_text(f"cases:\n  channel: {CASES_CHANNEL}\n  post_missing_after: 2s\n"
                      f"managers:\n  users: [{MANAGER}]\n")
    bot = BotProcess(fake_slack, db_url, config, tmp_path / "killed.log").wait_ready()
    driver = SlackDriver(fake_slack, bot.url(), SIGNING_SECRET)
    assert driver.command(ASSOCIATE).status == 200
    view = fake_slack.wait_for(lambda: fake_slack.open_view(ASSOCIATE))
    fake_slack.set_latency(0.5)
    if killed == "before the post":
        fake_slack.fail_next("chat.postMessage", "internal_error", status=500)  # the bot waits, then retries...
        assert driver.submit(view.id, intake_values(datetime.now(UTC))).status == 200
        fake_slack.wait_for(lambda: fake_slack.calls("chat.postMessage"))
    else:
        assert driver.submit(view.id, intake_values(datetime.now(UTC))).status == 200
        fake_slack.wait_for(lambda: case_messages(fake_slack))  # ...or asks for the permalink, then records
    bot.process.send_signal(signal.SIGKILL)  # ...but is killed first
    bot.process.wait(10)
    bot.stop()
    fake_slack.set_latency(0)
    db = Database(db_url)

    def case() -> Case:
        with db.transaction() as session:
            return cases.get_case(session, 1)

    assert not case().has_thread
    with bots(fake_slack, db_url, config, tmp_path, count=2):
        # Recorded, the managers alerted and the owner told: each a call the fake sees.
        fake_slack.wait_for(lambda: case().has_thread and told(fake_slack), timeout=30)
        fake_slack.wait_for(lambda: [m for m in fake_slack.messages(CASES_CHANNEL, include_replies=True)
                                     if MANAGER in m.text])
    posted = case()
    db.dispose()
    assert case_messages(fake_slack) == [posted.message_ts]  # posted once, across both replicas
    assert len([m for m in fake_slack.messages(CASES_CHANNEL, include_replies=True) if MANAGER in m.text]) == 1
    assert len(told(fake_slack)) == 1
