"""The driver plays Slack's side faithfully: payload shapes, view stack buttons, people's messages.

These tests point the driver at a recording endpoint instead of the bot, so they pin down exactly what
Slack would send, whatever listeners the bot has.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from bot.sandbox.driver import SlackDriver, blocks_state, generated_block_id, with_block_ids
from bot.sandbox.fake_slack import FakeSlack
from tests.support import ASSOCIATE, CASES_CHANNEL, MANAGER, SIGNING_SECRET


@dataclass
class Recorder:
    """An HTTP endpoint standing in for the bot: checks signatures, records payloads, answers `answer`."""

    received: list[dict[str, Any]] = field(default_factory=list)
    answer: bytes = b""
    answer_type: str = "text/plain"
    url: str = ""

    def payloads(self) -> list[dict[str, Any]]:
        return list(self.received)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    verifier = SignatureVerifier(SIGNING_SECRET)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - stdlib name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            assert verifier.is_valid_request(body, dict(self.headers))
            if self.headers["Content-Type"].startswith("application/json"):
                payload = json.loads(body)
            else:
                form = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()}
                payload = json.loads(form["payload"]) if "payload" in form else form
            recorder.received.append(payload)
            self.send_response(200)
            self.send_header("Content-Type", recorder.answer_type)
            self.send_header("Content-Length", str(len(recorder.answer)))
            self.end_headers()
            self.wfile.write(recorder.answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    yield recorder
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake(fake_slack: FakeSlack) -> FakeSlack:
    return fake_slack


@pytest.fixture
def driver(fake: FakeSlack, recorder: Recorder) -> SlackDriver:
    return SlackDriver(fake, recorder.url, SIGNING_SECRET)


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.bot_token, base_url=fake.api_url)


def modal(title: str, *, notify: bool = False, **extra: Any) -> dict[str, Any]:
    view = {"type": "modal", "title": {"type": "plain_text", "text": title},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": title}}], **extra}
    if notify:
        view["notify_on_close"] = True
    return view


def test_a_persons_message_becomes_escaped_text_with_mentions_and_an_event(fake: FakeSlack, driver: SlackDriver,
                                                                        recorder: Recorder) -> None:
    posted, reply = driver.message(ASSOCIATE, CASES_CHANNEL, "@maria see #support: <b>5 & 6</b>")
    assert reply is not None and reply.status == 200
    assert posted.text == f"<@{MANAGER}> see <#C0SUPPORT1>: &lt;b&gt;5 &amp; 6&lt;/b&gt;"
    section = posted.blocks[0]["elements"][0]["elements"]
    assert section[0] == {"type": "user", "user_id": MANAGER}
    assert section[-1] == {"type": "text", "text": ": <b>5 & 6</b>"}

    event = recorder.payloads()[-1]["event"]
    assert event["type"] == "message" and event["channel_type"] == "channel"
    assert event["text"] == posted.text and event["ts"] == posted.ts and event["client_msg_id"]


def test_thread_replies_edits_and_deletions_are_sent_as_slack_does(fake: FakeSlack, driver: SlackDriver,
                                                                  recorder: Recorder) -> None:
    parent, _ = driver.message(MANAGER, CASES_CHANNEL, "parent")
    reply, _ = driver.message(ASSOCIATE, CASES_CHANNEL, "in the thread", thread_ts=parent.ts)
    event = recorder.payloads()[-1]["event"]
    assert event["thread_ts"] == parent.ts and event["parent_user_id"] == MANAGER

    driver.edit(ASSOCIATE, CASES_CHANNEL, reply.ts, "edited")
    changed = recorder.payloads()[-1]["event"]
    assert changed["subtype"] == "message_changed"
    assert changed["message"]["text"] == "edited" and changed["previous_message"]["text"] == "in the thread"
    assert fake.message(CASES_CHANNEL, reply.ts).edited_ts

    driver.delete(ASSOCIATE, CASES_CHANNEL, reply.ts)
    deleted = recorder.payloads()[-1]["event"]
    assert deleted["subtype"] == "message_deleted" and deleted["deleted_ts"] == reply.ts
    assert fake.message(CASES_CHANNEL, reply.ts) is None
    with pytest.raises(LookupError):
        driver.delete(ASSOCIATE, CASES_CHANNEL, parent.ts)  # not theirs


def test_a_commands_immediate_answer_is_shown_to_the_person(fake: FakeSlack, driver: SlackDriver,
                                                          recorder: Recorder) -> None:
    recorder.answer, recorder.answer_type = b'{"text": "Working on it"}', "application/json"
    driver.command(ASSOCIATE, "list", channel_id=CASES_CHANNEL)
    [shown] = fake.ephemerals(ASSOCIATE)
    assert shown.text == "Working on it" and shown.channel == CASES_CHANNEL


def test_cancel_on_a_pushed_view_goes_back_and_the_x_clears_the_stack(fake: FakeSlack, driver: SlackDriver,
                                                                     recorder: Recorder, client: WebClient) -> None:
    root = client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=modal("Root", notify=True))["view"]
    pushed = client.views_push(trigger_id=fake.issue_trigger(ASSOCIATE), view=modal("Pushed", notify=True))["view"]
    assert [v.id for v in fake.view_stack(ASSOCIATE)] == [root["id"], pushed["id"]]

    driver.cancel(pushed["id"])
    assert [v.id for v in fake.view_stack(ASSOCIATE)] == [root["id"]]
    assert recorder.payloads()[-1]["is_cleared"] is False

    again = client.views_push(trigger_id=fake.issue_trigger(ASSOCIATE), view=modal("Again", notify=True))["view"]
    driver.close(again["id"])
    assert fake.view_stack(ASSOCIATE) == []
    top, bottom = recorder.payloads()[-2:]
    assert [top["view"]["id"], bottom["view"]["id"]] == [again["id"], root["id"]]
    assert top["type"] == bottom["type"] == "view_closed" and top["is_cleared"] is bottom["is_cleared"] is True


def test_cancel_on_a_root_view_closes_it_and_only_notifies_when_asked(fake: FakeSlack, driver: SlackDriver,
                                                                      recorder: Recorder, client: WebClient) -> None:
    view = client.views_open(trigger_id=fake.issue_trigger(ASSOCIATE), view=modal("Quiet"))["view"]
    assert driver.cancel(view["id"]) is None
    assert fake.view_stack(ASSOCIATE) == [] and recorder.payloads() == []


def test_clicks_carry_the_state_of_the_surface(fake: FakeSlack, driver: SlackDriver, recorder: Recorder,
                                               client: WebClient) -> None:
    options = [{"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Red", "Blue")]
    blocks = [
        {"type": "actions", "elements": [  # no block_id: Slack gives it one
            {"type": "static_select", "action_id": "colour", "options": options},
            {"type": "datepicker", "action_id": "day", "initial_date": "2026-11-30"},
            {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}, "value": "1",
             "style": "primary"},
        ]},
    ]
    posted = client.chat_postMessage(channel=CASES_CHANNEL, text="pick", blocks=blocks)
    message = fake.message(CASES_CHANNEL, posted["ts"])
    block_id = generated_block_id(0)
    assert with_block_ids(message.blocks)[0]["block_id"] == block_id

    driver.click(ASSOCIATE, "go", message=message, state={block_id: {"colour": "blue"}})
    payload = recorder.payloads()[-1]
    assert payload["actions"][0] | {"action_ts": "x"} == {
        "action_id": "go", "block_id": block_id, "type": "button", "text": {"type": "plain_text", "text": "Go"},
        "value": "1", "style": "primary", "action_ts": "x"}
    assert payload["state"]["values"][block_id]["colour"]["selected_option"]["value"] == "blue"
    assert payload["state"]["values"][block_id]["day"] == {"type": "datepicker", "selected_date": "2026-11-30"}

    driver.click(ASSOCIATE, "day", message=message, selected="2026-12-01", block_id=block_id)
    assert recorder.payloads()[-1]["actions"][0]["selected_date"] == "2026-12-01"
    with pytest.raises(LookupError):
        driver.click(ASSOCIATE, "day", message=message, selected="2026-12-01", block_id="nope")


def test_blocks_state_takes_nested_values_and_refuses_unknown_blocks() -> None:
    blocks = [{"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
               "element": {"type": "plain_text_input", "action_id": "name", "initial_value": "Ada"}},
              {"type": "actions", "block_id": "more", "elements": [
                  {"type": "checkboxes", "action_id": "flags", "options": [
                      {"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"}]},
                  {"type": "users_select", "action_id": "who"}]}]
    assert blocks_state(blocks, {}) == {"name": {"name": {"type": "plain_text_input", "value": "Ada"}}}
    full = blocks_state(blocks, {"more": {"flags": ["urgent"], "who": MANAGER}})
    assert full["more"]["flags"]["selected_options"][0]["value"] == "urgent"
    assert full["more"]["who"] == {"type": "users_select", "selected_user": MANAGER}
    with pytest.raises(LookupError):
        blocks_state(blocks, {"missing": "x"})


def test_global_shortcuts_and_home_tab_events(fake: FakeSlack, driver: SlackDriver, recorder: Recorder,
                                              client: WebClient) -> None:
    driver.global_shortcut(ASSOCIATE, "new_case")
    shortcut = recorder.payloads()[-1]
    assert shortcut["type"] == "shortcut" and shortcut["callback_id"] == "new_case" and shortcut["trigger_id"]

    client.views_publish(user_id=ASSOCIATE, view={"type": "home", "blocks": []})
    driver.app_home_opened(ASSOCIATE)
    event = recorder.payloads()[-1]["event"]
    assert event["tab"] == "home" and event["view"]["type"] == "home"
    driver.app_home_opened(ASSOCIATE, tab="messages")
    assert "view" not in recorder.payloads()[-1]["event"]


def test_an_ephemeral_can_be_deleted_through_its_response_url_or_dismissed(fake: FakeSlack, driver: SlackDriver,
                                                                          client: WebClient) -> None:
    blocks = [{"type": "actions", "block_id": "a", "elements": [
        {"type": "button", "action_id": "ok", "text": {"type": "plain_text", "text": "OK"}}]}]
    client.chat_postEphemeral(channel=CASES_CHANNEL, user=ASSOCIATE, text="only you", blocks=blocks)
    [ephemeral] = fake.ephemerals(ASSOCIATE)
    hook = fake.issue_response_url(CASES_CHANNEL, ASSOCIATE, ephemeral.ts)
    fake.handle_response_url(hook.rsplit("/", 1)[-1], {"delete_original": True})
    assert fake.ephemerals(ASSOCIATE) == []

    client.chat_postEphemeral(channel=CASES_CHANNEL, user=ASSOCIATE, text="again")
    fake.dismiss_ephemeral(ASSOCIATE, fake.ephemerals(ASSOCIATE)[0].ts)
    assert fake.ephemerals(ASSOCIATE) == []


def test_an_answer_to_a_click_in_a_thread_is_shown_in_that_thread(fake: FakeSlack, driver: SlackDriver,
                                                                  recorder: Recorder, client: WebClient) -> None:
    button = [{"type": "actions", "block_id": "a", "elements": [
        {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}]}]
    parent = client.chat_postMessage(channel=CASES_CHANNEL, text="case", blocks=button)["ts"]
    reply = client.chat_postMessage(channel=CASES_CHANNEL, text="step", blocks=button, thread_ts=parent)["ts"]

    driver.click(ASSOCIATE, "go", message=fake.message(CASES_CHANNEL, reply))
    hook = recorder.payloads()[-1]["response_url"].rsplit("/", 1)[-1]
    fake.handle_response_url(hook, {"text": "only you, in the thread"})
    driver.click(ASSOCIATE, "go", message=fake.message(CASES_CHANNEL, parent))
    hook = recorder.payloads()[-1]["response_url"].rsplit("/", 1)[-1]
    fake.handle_response_url(hook, {"text": "only you, in the channel"})

    shown = {e.text: e.thread_ts for e in fake.ephemerals(ASSOCIATE)}
    assert shown == {"only you, in the thread": parent, "only you, in the channel": None}
