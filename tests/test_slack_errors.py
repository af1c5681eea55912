"""Every error Slack answers is logged with the method, Slack's error and its response_metadata, and the
person whose action failed is told kindly where they are, with the reference the log line carries."""

from __future__ import annotations

import logging
import re

import pytest
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bot.errors import NotFound
from bot.sandbox.fake_slack import FakeSlack
from bot.slack import errors
from tests.support import ASSOCIATE, COLLEAGUE, SUPPORT_CHANNEL, Harness, all_text
from tests.test_reminders import MON, at, status_dm

PROBLEM = "[ERROR] must be less than 76 characters [json-pointer:/view/blocks/3/element/text/text]"


def logged(caplog: pytest.LogCaptureFixture, method: str, error: str) -> str:
    """The reference of the error the person was shown, once the log has Slack's error for `method`."""
    lines = [r.getMessage() for r in caplog.records]
    slack = [line for line in lines if line.startswith(f"Slack {method} failed: {error}")]
    assert slack, lines
    assert PROBLEM in slack[0]  # response_metadata: what Slack said was wrong, for whoever reads the log
    refs = [m.group(0) for line in lines if (m := re.search(r"E-[0-9A-F]{6}", line))]
    assert refs, lines
    return refs[-1]


@pytest.fixture
def caplog(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot")
    return caplog


def test_a_modal_that_failed_to_open_is_logged_and_the_person_told(harness: Harness,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    harness.fake.fail_next("views.open", "invalid_arguments", status=200, messages=[PROBLEM])
    assert harness.command("").status == 200
    told = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "Sorry, something went wrong on my side" in told.text
    assert f"`{logged(caplog, 'views.open', 'invalid_arguments')}`" in told.text


def test_a_message_update_that_failed_is_logged_and_the_person_told(harness: Harness,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    # Handing a case over re-renders the case message with chat.update.
    harness.open_case()
    harness.tick(at(MON, 13))
    harness.fake.fail_next("chat.update", "invalid_blocks", status=200, messages=[PROBLEM])
    harness.driver.click(ASSOCIATE, "reminder_handover", message=status_dm(harness), selected=COLLEAGUE)
    told = harness.fake.wait_for(lambda: [e for e in harness.fake.ephemerals(ASSOCIATE)
                                          if "went wrong" in e.text])[-1]
    assert f"`{logged(caplog, 'chat.update', 'invalid_blocks')}`" in told.text


def test_a_home_that_failed_to_publish_is_logged_and_the_person_told(harness: Harness,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    harness.fake.fail_next("views.publish", "invalid_arguments", status=200, messages=[PROBLEM])
    assert harness.driver.app_home_opened(ASSOCIATE).status == 200
    shown = harness.fake.wait_for(lambda: all_text((harness.fake.home(ASSOCIATE) or {}).get("blocks")))
    assert "couldn't load your Home" in shown  # where the person is looking
    assert f"`{logged(caplog, 'views.publish', 'invalid_arguments')}`" in shown


def test_when_the_response_url_is_spent_the_person_is_told_by_dm(fake_slack: FakeSlack,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    # Slack takes five posts on a response_url within 30 minutes; after that, the app's DM still reaches them.
    spent = fake_slack.issue_response_url(SUPPORT_CHANNEL, ASSOCIATE, age=31 * 60)
    body = {"type": "block_actions", "user": {"id": ASSOCIATE}, "response_url": spent}
    client = WebClient(token=fake_slack.bot_token, base_url=fake_slack.api_url)
    errors.report(NotFound("That case is gone."), body, client, Respond(response_url=spent))
    assert [m.text for m in fake_slack.dms(ASSOCIATE)] == [":warning: That case is gone."]
    assert any(r.getMessage().startswith("Slack response_url failed: expired_url (HTTP 404)") for r in caplog.records)
