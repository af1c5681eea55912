"""Every rule in the fake Slack's table (bot/sandbox/blockkit.RULES) refuses a payload that breaks it, the way
Slack does: `ok: false`, Slack's error, and `response_metadata.messages` naming the offending field."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.sandbox import blockkit
from bot.sandbox.fake_slack import FakeSlack
from tests.support import ASSOCIATE, CASES_CHANNEL, seed_workspace


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        seed_workspace(fake)
        yield fake


@pytest.fixture(scope="module")
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hi", **fields: Any) -> dict[str, Any]:
    return {"type": "section", "text": mrkdwn(text), **fields}


def button(text: str = "Go", action_id: str = "go", **fields: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": action_id, **fields}


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def option(text: str = "One", value: str = "1", **fields: Any) -> dict[str, Any]:
    return {"text": plain(text), "value": value, **fields}


def select(options: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": "pick", "placeholder": plain("Pick"), "options": options, **fields}


def text_input(**fields: Any) -> dict[str, Any]:
    return {"type": "input", "label": plain("Notes"),
            "element": {"type": "plain_text_input", "action_id": "notes", **fields.pop("element", {})}, **fields}


def message(*blocks: dict[str, Any]) -> tuple[str, Any]:
    return "message", list(blocks)


def modal(*blocks: dict[str, Any], **fields: Any) -> tuple[str, Any]:
    return "modal", {"type": "modal", "title": plain("Amends"), "submit": plain("Save"),
                     "blocks": list(blocks) or [section()], **fields}


def home(*blocks: dict[str, Any]) -> tuple[str, Any]:
    return "home", {"type": "home", "blocks": list(blocks)}


# A payload that breaks each shape rule, and the JSON pointer Slack's message names.
BREAKS: dict[str, tuple[tuple[str, Any], str]] = {
    "message blocks": (message(*[section()] * 51), "/blocks"),
    "view blocks": (home(*[section()] * 101), "/view/blocks"),
    "unique block_id": (message(section(block_id="a"), section(block_id="a")), "/blocks/1/block_id"),
    "modal title": (modal(title=plain("x" * 25)), "/view/title/text"),
    "modal buttons": (modal(submit=plain("x" * 25)), "/view/submit/text"),
    "submit with inputs": (("modal", {"type": "modal", "title": plain("Amends"), "blocks": [text_input()]}),
                           "/view/submit"),
    "private_metadata": (modal(private_metadata="x" * 3001), "/view/private_metadata"),
    "callback_id": (modal(callback_id="x" * 256), "/view/callback_id"),
    "external_id": (modal(external_id="x" * 256), "/view/external_id"),
    "view fields": (modal(colour="red"), "/view/colour"),
    "shape": (message({"type": "sparkle"}), "/blocks/0/type"),
    "block_id": (message(section(block_id="x" * 256)), "/blocks/0/block_id"),
    "unique action_id": (message(actions(button("Previous", "more"), button("More results", "more"))),
                         "/blocks/0/elements/1/action_id"),
    "section text": (message(section("x" * 3001)), "/blocks/0/text/text"),
    "section fields": (message({"type": "section", "fields": [mrkdwn("f")] * 11}), "/blocks/0/fields"),
    "section field text": (message({"type": "section", "fields": [mrkdwn("x" * 2001)]}), "/blocks/0/fields/0/text"),
    "section content": (message({"type": "section"}), "/blocks/0"),
    "header text": (message({"type": "header", "text": plain("x" * 151)}), "/blocks/0/text/text"),
    "header plain_text": (message({"type": "header", "text": mrkdwn("*x*")}), "/blocks/0/text/type"),
    "context elements": (message({"type": "context", "elements": [mrkdwn("c")] * 11}), "/blocks/0/elements"),
    "actions elements": (message(actions(*[button(action_id=f"b{i}") for i in range(26)])), "/blocks/0/elements"),
    "input label": (modal(text_input(label=plain("x" * 2001))), "/view/blocks/0/label/text"),
    "input hint": (modal(text_input(hint=plain("x" * 2001))), "/view/blocks/0/hint/text"),
    "action_id": (message(actions(button(action_id="x" * 256))), "/blocks/0/elements/0/action_id"),
    "button text": (message(actions(button("x" * 76))), "/blocks/0/elements/0/text/text"),
    "button plain_text": (message(actions({**button(), "text": mrkdwn("*Go*")})), "/blocks/0/elements/0/text/type"),
    "button value": (message(actions(button(value="x" * 2001))), "/blocks/0/elements/0/value"),
    "button url": (message(actions(button(url="https://example.com/" + "x" * 3000))), "/blocks/0/elements/0/url"),
    "button style": (message(actions(button(style="green"))), "/blocks/0/elements/0/style"),
    "placeholder": (message(actions(select([option()], placeholder=plain("x" * 151)))),
                    "/blocks/0/elements/0/placeholder/text"),
    "select options": (message(actions(select([option(value=str(i)) for i in range(101)]))),
                       "/blocks/0/elements/0/options"),
    "select option text": (message(actions(select([{"text": mrkdwn("*One*"), "value": "1"}]))),
                           "/blocks/0/elements/0/options/0/text/type"),
    "choice options": (message(actions({"type": "radio_buttons", "action_id": "r",
                                        "options": [option(value=str(i)) for i in range(11)]})),
                       "/blocks/0/elements/0/options"),
    "overflow options": (message(actions({"type": "overflow", "action_id": "o",
                                          "options": [option(value=str(i)) for i in range(6)]})),
                         "/blocks/0/elements/0/options"),
    "initial option": (message(actions(select([option()], initial_option=option("Two", "2")))),
                       "/blocks/0/elements/0/initial_option"),
    "text input": (modal(text_input(element={"max_length": 3001})), "/view/blocks/0/element/max_length"),
    "option text": (message(actions(select([option("x" * 76)]))), "/blocks/0/elements/0/options/0/text/text"),
    "option value": (message(actions(select([option(value="x" * 151)]))), "/blocks/0/elements/0/options/0/value"),
    "option description": (message(actions(select([option(description=plain("x" * 76))]))),
                           "/blocks/0/elements/0/options/0/description/text"),
    "confirm dialog": (message(actions(button(confirm={"title": plain("x" * 101), "text": plain("Sure?"),
                                                       "confirm": plain("Yes"), "deny": plain("No")}))),
                       "/blocks/0/elements/0/confirm/title/text"),
    "text not empty": (message(section("")), "/blocks/0/text/text"),
}


def send(fake: FakeSlack, client: WebClient, surface: str, payload: Any) -> Any:
    if surface == "message":
        return client.chat_postMessage(channel=CASES_CHANNEL, text="fallback", blocks=payload)
    if surface == "modal":
        return client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=payload)
    return client.views_publish(user_id=ASSOCIATE, view=payload)


def refused(call: Callable[[], Any]) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    answer = caught.value.response.data
    assert answer["ok"] is False
    return answer  # type: ignore[no-any-return]


SHAPE_RULES = [rule for rule in blockkit.RULES if rule.check is not None]
FAKE_RULES = [rule for rule in blockkit.RULES if rule.check is None]


@pytest.mark.parametrize("rule", SHAPE_RULES, ids=lambda rule: rule.name)
def test_a_payload_breaking_the_rule_is_refused_like_slack_does(rule: blockkit.Rule, fake: FakeSlack,
                                                                  client: WebClient) -> None:
    (surface, payload), pointer = BREAKS[rule.name]
    answer = refused(lambda: send(fake, client, surface, payload))
    assert answer["error"] == (blockkit.MESSAGE_ERROR if surface == "message" else blockkit.VIEW_ERROR)
    messages = answer["response_metadata"]["messages"]
    assert any(m.startswith("[ERROR] ") and m.endswith(f"[json-pointer:{pointer}]") for m in messages), messages


def test_the_same_payloads_within_the_rules_are_accepted(fake: FakeSlack, client: WebClient) -> None:
    # The pieces the breaking payloads are made of pass, so each refusal above is the rule's doing.
    assert send(fake, client, *message(section(block_id="a"), section(block_id="b"),
                                       actions(button("Previous", "previous"), button("More results", "more"),
                                               select([option()], initial_option=option())),
                                       {"type": "header", "text": plain("x" * 150)}))["ok"]
    assert send(fake, client, *modal(text_input(element={"max_length": 3000}), title=plain("x" * 24)))["ok"]
    assert send(fake, client, *home(*[section()] * 100))["ok"]


def test_a_response_url_refuses_what_chat_post_message_refuses(fake: FakeSlack) -> None:
    url = fake.issue_response_url(CASES_CHANNEL, ASSOCIATE)
    _, blocks = BREAKS["unique action_id"][0]
    answer = WebhookClient(url).send(text="page 2", blocks=blocks)
    assert answer.status_code == 400 and "invalid_blocks" in answer.body
    assert "duplicate action_id" in answer.body


def _expired_trigger(fake: FakeSlack, client: WebClient) -> str:
    late = fake.issue_trigger(ASSOCIATE, age=blockkit.TRIGGER_LIFE + 0.1)
    return refused(lambda: client.views_open(trigger_id=late, view=modal()[1]))["error"]


def _used_trigger(fake: FakeSlack, client: WebClient) -> str:
    trigger = fake.issue_trigger(ASSOCIATE)
    client.views_open(trigger_id=trigger, view=modal()[1])
    return refused(lambda: client.views_open(trigger_id=trigger, view=modal()[1]))["error"]


def _response_url(status: int, url: str) -> str:
    answer = WebhookClient(url).send(text="again")
    assert answer.status_code == status
    return str(answer.body)


def _used_response_url(fake: FakeSlack, client: WebClient) -> str:
    url = fake.issue_response_url(CASES_CHANNEL, ASSOCIATE)
    for _ in range(blockkit.RESPONSE_URL_USES):
        assert WebhookClient(url).send(text="fine").status_code == 200
    return _response_url(404, url)


def _old_response_url(fake: FakeSlack, client: WebClient) -> str:
    return _response_url(404, fake.issue_response_url(CASES_CHANNEL, ASSOCIATE,
                                                      age=blockkit.RESPONSE_URL_LIFE + 1))


def _deep_stack(fake: FakeSlack, client: WebClient) -> str:
    view = modal()[1]
    client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=view)
    for _ in range(blockkit.VIEW_STACK - 1):
        client.views_push(trigger_id=fake.issue_trigger(ASSOCIATE), view=view)
    return refused(lambda: client.views_push(trigger_id=fake.issue_trigger(ASSOCIATE), view=view))["error"]


BROKEN_BY: dict[str, Callable[[FakeSlack, WebClient], str]] = {
    "message text": lambda fake, client: refused(lambda: client.chat_postMessage(
        channel=CASES_CHANNEL, text="x" * (blockkit.MESSAGE_TEXT + 1)))["error"],
    "message blocks text": lambda fake, client: refused(lambda: client.chat_postMessage(
        channel=CASES_CHANNEL, text="x", blocks=[section("x" * 2900)] * 5))["error"],
    "view size": lambda fake, client: refused(lambda: client.views_publish(
        user_id=ASSOCIATE, view=home(*[section("x" * 2900)] * 90)[1]))["error"],
    "trigger_id expiry": _expired_trigger,
    "trigger_id single use": _used_trigger,
    "response_url uses": _used_response_url,
    "response_url expiry": _old_response_url,
    "view stack": _deep_stack,
}


@pytest.mark.parametrize("rule", FAKE_RULES, ids=lambda rule: rule.name)
def test_slacks_other_limits_answer_slacks_error(rule: blockkit.Rule, fake: FakeSlack, client: WebClient) -> None:
    assert rule.error in BROKEN_BY[rule.name](fake, client)


def test_every_rule_in_the_table_has_a_breaking_payload() -> None:
    assert {rule.name for rule in SHAPE_RULES} == set(BREAKS)
    assert {rule.name for rule in FAKE_RULES} == set(BROKEN_BY)
