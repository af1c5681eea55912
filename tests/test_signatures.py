"""Only requests Slack signed, recently, reach the bot."""

from __future__ import annotations

import time
import urllib.parse

from tests.support import ASSOCIATE, Harness


def _command_body(harness: Harness) -> bytes:
    return urllib.parse.urlencode({
        "command": "/recover", "text": "", "user_id": ASSOCIATE, "team_id": harness.fake.team_id,
        "channel_id": "C0SUPPORT1", "trigger_id": harness.fake.issue_trigger(ASSOCIATE),
        "response_url": harness.fake.issue_response_url("C0SUPPORT1", ASSOCIATE),
    }).encode()


def test_unsigned_requests_are_rejected(harness: Harness) -> None:
    reply = harness.driver.post(_command_body(harness), sign=False)
    assert reply.status == 401
    assert harness.fake.views() == []


def test_badly_signed_requests_are_rejected(harness: Harness) -> None:
    reply = harness.driver.post(_command_body(harness), headers={"X-Slack-Signature": "v0=" + "0" * 64})
    assert reply.status == 401
    assert harness.fake.views() == []


def test_requests_signed_with_another_secret_are_rejected(harness: Harness) -> None:
    harness.driver.signing_secret = "not-the-secret"
    reply = harness.driver.post(_command_body(harness))
    assert reply.status == 401


def test_stale_requests_are_rejected(harness: Harness) -> None:
    reply = harness.driver.post(_command_body(harness), timestamp=int(time.time()) - 6 * 60)
    assert reply.status == 401
    assert harness.fake.views() == []


def test_a_fresh_signed_request_is_accepted(harness: Harness) -> None:
    reply = harness.driver.post(_command_body(harness), timestamp=int(time.time()) - 60)
    assert reply.status == 200
    assert harness.fake.wait_for(lambda: harness.fake.views())


def test_health_endpoint_answers(harness: Harness) -> None:
    import urllib.request

    with urllib.request.urlopen(harness.server.url("/healthz"), timeout=5) as response:
        assert response.read() == b"ok"
