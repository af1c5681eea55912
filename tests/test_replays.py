"""A request that arrives twice (a replay of the same signed bytes, a double submit) is applied once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from bot.sandbox.driver import BotReply
from tests.support import ASSOCIATE, CASES_CHANNEL, Harness
from tests.test_offers import config, offers, open_offer  # noqa: F401 - the offers workspace (approvers)
from tests.test_playbooks import Checklist


def recorded(harness: Harness) -> tuple[list[bytes], Callable[[bytes], BotReply]]:
    """Every body the driver posts from now on, and a way to post one again exactly (signed anew, as an
    attacker replaying within the five minutes would send it)."""
    sent: list[bytes] = []
    post = harness.driver.post

    def recording(body: bytes, **kwargs: Any) -> BotReply:
        sent.append(body)
        return post(body, **kwargs)

    harness.driver.post = recording  # type: ignore[method-assign]
    return sent, post


def case_posts(harness: Harness) -> int:
    return len([m for m in harness.fake.messages(CASES_CHANNEL) if not m.is_reply])


def test_a_replayed_intake_submission_answers_the_same_and_opens_no_second_case(harness: Harness) -> None:
    sent, post = recorded(harness)
    case = harness.open_case()
    submission = sent[-1]
    replies = [post(submission) for _ in range(2)]
    harness.settle()
    assert [r.status for r in replies] == [200, 200]
    assert replies[0].json()["response_action"] == "update" and replies[0].body == replies[1].body
    assert "AM-1" in replies[0].text
    assert [c.id for c in harness.cases()] == [case.id]
    assert case_posts(harness) == 1


def unsent_submission(harness: Harness, view_id: str, values: dict[str, Any]) -> bytes:
    """The bytes Slack would send when the person presses Submit, without sending them."""
    sent: list[bytes] = []
    post = harness.driver.post
    harness.driver.post = lambda body, **_: (sent.append(body), BotReply(0, b"", {}))[1]  # type: ignore
    try:
        harness.driver.submit(view_id, values)
    finally:
        harness.driver.post = post  # type: ignore[method-assign]
    return sent[0]


def test_two_submissions_of_one_view_at_once_open_one_case(harness: Harness) -> None:
    view = harness.open_intake()
    submission = unsent_submission(harness, view.id, harness.intake_values())
    post = harness.driver.post
    start = threading.Barrier(2)
    replies: list[BotReply] = []

    def send() -> None:
        start.wait()
        replies.append(post(submission))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    harness.settle()
    assert sorted(r.status for r in replies) == [200, 200]
    assert len(harness.cases()) == 1
    harness.fake.wait_for(lambda: case_posts(harness) == 1)
    harness.settle()
    assert case_posts(harness) == 1


def test_a_replayed_offer_submission_records_one_offer(harness: Harness) -> None:
    case = harness.open_case()
    sent, post = recorded(harness)
    view = open_offer(harness, case)
    reply = harness.driver.submit(view.id, {"offer_alternatives": ["expedite-on-arrival"],
                                            "offer_incentive": "free-shipping-next"})
    assert reply.json()["response_action"] == "update"
    again = post(sent[-1])
    harness.settle()
    assert again.status == 200 and again.body == reply.body
    assert len(offers(harness)) == 1
    assert len([m for m in harness.thread(case) if "offered" in m.text]) == 1


def test_a_replayed_click_changes_nothing(harness: Harness) -> None:
    case = harness.open_case()
    checklist = Checklist(harness, case.id)
    sent, post = recorded(harness)
    checklist.escalate()
    harness.fake.wait_for(lambda: [m for m in harness.thread(case) if "is escalating" in m.text])
    harness.settle()
    before = (len(harness.thread(case)), len(harness.fake.ephemerals(ASSOCIATE)), len(harness.events(case.id)))
    assert post(sent[-1]).status == 200
    harness.settle()
    after = (len(harness.thread(case)), len(harness.fake.ephemerals(ASSOCIATE)), len(harness.events(case.id)))
    assert after == before
