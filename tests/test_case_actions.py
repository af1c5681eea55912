"""Case actions: registered once, offered as buttons, dispatched with the case they belong to."""

from __future__ import annotations

from bot.slack.case_actions import CaseActionCall
from tests.support import ASSOCIATE, MANAGER, Harness, all_text


def test_registered_actions_appear_on_the_case_message_and_dispatch(harness: Harness) -> None:
    calls: list[CaseActionCall] = []

    @harness.amends.wiring.case_actions.add("call_back", label="Call back", on_case_message=True)
    def call_back(call: CaseActionCall) -> None:
        calls.append(call)
        call.reply(f"Calling back for case #{call.case_id}")

    case = harness.open_case()
    message = harness.case_message(case)
    assert "Call back" in all_text(message.blocks)

    harness.driver.click(MANAGER, "case_action:call_back", message=message)
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(MANAGER))[-1]
    assert answer.text == f"Calling back for case #{case.id}"
    assert calls[0].case_id == case.id and calls[0].source == "case_message" and calls[0].user_id == MANAGER
    assert calls[0].trigger_id  # so the action can open a modal


def test_an_action_missing_from_this_version_is_explained(harness: Harness) -> None:
    from bot.slack.case_actions import CaseActionValue

    case = harness.open_case()
    blocks = [{"type": "actions", "elements": [{
        "type": "button", "text": {"type": "plain_text", "text": "Old"}, "action_id": "case_action:retired",
        "value": CaseActionValue(case_id=case.id, source="case_message").encode()}]}]
    # A message from an older release, still in the channel, with an action this release dropped.
    old = harness.fake.post_as_user(harness.fake.bot_user_id, "C0CASES01", "old", blocks=blocks)
    harness.driver.click(ASSOCIATE, "case_action:retired", message=old)
    answer = harness.fake.wait_for(lambda: harness.fake.ephemerals(ASSOCIATE))[-1]
    assert "isn't available" in answer.text


def test_refreshing_the_case_message_shows_the_outcome(harness: Harness) -> None:
    from bot.cases import service
    from bot.cases.models import Outcome
    from bot.slack.case_thread import refresh_case_message

    case = harness.open_case()
    harness.waive_required_steps(case.id)
    with harness.amends.db.transaction() as session:
        service.resolve_case(session, case.id, actor_id=ASSOCIATE, now=harness.clock.now(),
                             outcome=Outcome.PROMISE_KEPT, lifecycle=harness.amends.lifecycle)
    refresh_case_message(harness.amends.client, harness.amends.wiring, case.id)
    assert "Promise kept after all" in all_text(harness.case_message(case).blocks)
