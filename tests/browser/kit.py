"""Test-only listeners and Block Kit for checking the page's rendering of everything Slack can show.

The bot's own features don't yet use every element, so these tests post Block Kit as the bot (through
the fake's Web API, which validates it like Slack) and add listeners for `kit_*` ids to the running
Bolt app, recording the payloads the page made the sandbox send.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.sandbox.runtime import Sandbox


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def options(*labels: str) -> list[dict[str, Any]]:
    return [{"text": plain(label), "value": label.lower()} for label in labels]


class Recorder:
    """block_actions (and views) the bot received for kit_* ids, waited for without sleeping."""

    def __init__(self) -> None:
        self.payloads: list[dict[str, Any]] = []
        self._changed = threading.Condition()

    def add(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.payloads.append(payload)
            self._changed.notify_all()

    def wait_for(self, probe: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        with self._changed:
            found: list[dict[str, Any]] = []

            def ready() -> bool:
                found[:] = [p for p in self.payloads if probe(p)]
                return bool(found)

            if not self._changed.wait_for(ready, timeout):
                raise TimeoutError(f"no such payload; got {[self.summary(p) for p in self.payloads]}")
            return found[-1]

    def action(self, action_id: str) -> dict[str, Any]:
        return self.wait_for(lambda p: p.get("type") == "block_actions"
                             and p["actions"][0]["action_id"] == action_id)["actions"][0]

    def count(self, action_id: str) -> int:
        with self._changed:
            return sum(1 for p in self.payloads if p.get("type") == "block_actions"
                       and p["actions"][0]["action_id"] == action_id)

    @staticmethod
    def summary(payload: dict[str, Any]) -> str:
        if payload.get("type") == "block_actions":
            return payload["actions"][0]["action_id"]
        return str(payload.get("type"))


def bot_client(sandbox: Sandbox) -> WebClient:
    return WebClient(token=sandbox.fake.bot_token, base_url=sandbox.fake.api_url)


def record_kit_actions(sandbox: Sandbox, recorder: Recorder | None = None) -> Recorder:
    """Record every kit_* action no other listener took (Bolt runs the first listener that matches)."""
    recorder = recorder or Recorder()

    @sandbox.amends.bolt.action(re.compile(r"^kit_"))
    def record(ack: Any, body: dict[str, Any]) -> None:
        ack()
        recorder.add(body)

    return recorder


MRKDWN_SAMPLE = (
    "*bold* _italic_ ~strike~ `code` <https://example.com/case?id=1&amp;x=2|a link> <@U0MANAGER1> <#C0CASES01> "
    "<!here> &lt;not a tag&gt; <!date^1767225600^{date_long} at {time}|1 Jan 2026> :white_check_mark: "
    "<javascript:alert(1)|not a link>\n```pre *not bold*```\n> quoted"
)


def gallery_blocks() -> list[dict[str, Any]]:
    return [
        {"type": "header", "text": plain("Everything Slack shows :tada:")},
        {"type": "section", "block_id": "kit_text", "text": mrkdwn(MRKDWN_SAMPLE),
         "accessory": {"type": "overflow", "action_id": "kit_overflow", "options": options("Edit", "Delete")}},
        {"type": "section", "block_id": "kit_fields", "fields": [mrkdwn("*Customer*\nNorthwind"), mrkdwn("*Due*\nFriday")],
         "accessory": {"type": "button", "action_id": "kit_accessory", "text": plain("Details"), "value": "d"}},
        {"type": "context", "elements": [mrkdwn("context _text_"),
                                         {"type": "image", "image_url": "https://example.invalid/a.png",
                                          "alt_text": "tiny avatar"}]},
        {"type": "divider"},
        {"type": "actions", "block_id": "kit_actions", "elements": [
            {"type": "button", "action_id": "kit_primary", "text": plain("Approve"), "style": "primary", "value": "p"},
            {"type": "button", "action_id": "kit_danger", "text": plain("Deny"), "style": "danger", "value": "x",
             "confirm": {"title": plain("Deny the offer?"), "text": mrkdwn("The associate is told *at once*."),
                         "confirm": plain("Yes, deny"), "deny": plain("Keep it"), "style": "danger"}},
            {"type": "static_select", "action_id": "kit_select", "placeholder": plain("Pick a reason"),
             "options": options("Budget", "Policy")},
            {"type": "datepicker", "action_id": "kit_date", "initial_date": "2026-12-01"},
            {"type": "timepicker", "action_id": "kit_time", "initial_time": "09:30"},
            {"type": "users_select", "action_id": "kit_user", "placeholder": plain("Hand over to")},
            {"type": "channels_select", "action_id": "kit_channel", "placeholder": plain("Post in")},
        ]},
        {"type": "actions", "block_id": "kit_choices", "elements": [
            {"type": "checkboxes", "action_id": "kit_checks", "options": options("Called", "Emailed", "Texted")},
            {"type": "radio_buttons", "action_id": "kit_radio", "options": options("Wait", "Alternative", "Cancel")},
        ]},
        {"type": "image", "image_url": "https://example.invalid/chart.png", "alt_text": "weekly chart",
         "title": plain("This week")},
    ]


def modal(title: str, blocks: list[dict[str, Any]], *, callback_id: str, submit: str | None = "Submit",
          close: str = "Cancel", notify: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain(title),
                            "close": plain(close), "blocks": blocks}
    if submit:
        view["submit"] = plain(submit)
    if notify:
        view["notify_on_close"] = True
    return view


def name_input(label: str = "Name") -> dict[str, Any]:
    return {"type": "input", "block_id": "name", "label": plain(label),
            "element": {"type": "plain_text_input", "action_id": "name"}}


def install_modal_flow(sandbox: Sandbox, recorder: Recorder) -> None:
    """kit_open opens a modal; kit_push pushes a second view; submissions answer errors, update, push, clear."""
    app = sandbox.amends.bolt

    def first_view(note: str = "Fill in a name.") -> dict[str, Any]:
        return modal("Test modal", [
            {"type": "section", "text": mrkdwn(note)},
            name_input(),
            {"type": "actions", "block_id": "more", "elements": [
                {"type": "button", "action_id": "kit_push", "text": plain("Push a view")}]},
        ], callback_id="kit_modal", notify=True)

    @app.action("kit_open")
    def open_modal(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=first_view())

    @app.action("kit_push")
    def push(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        ack()
        recorder.add(body)
        client.views_push(trigger_id=body["trigger_id"], view=modal(
            "Step two", [name_input("Reason")], callback_id="kit_step2", submit="Finish", close="Back"))

    @app.view("kit_modal")
    def submitted(ack: Any, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["name"]["name"]["value"]
        if name == "bad":
            ack(response_action="errors", errors={"name": "No bad names, please."})
        elif name == "update":
            ack(response_action="update", view=first_view("Updated: *now push on*."))
        else:
            ack(response_action="push", view=modal("Step two", [name_input("Reason")], callback_id="kit_step2",
                                                   submit="Finish", close="Back"))

    @app.view("kit_step2")
    def finished(ack: Any, body: dict[str, Any]) -> None:
        recorder.add(body)
        ack(response_action="clear")

    @app.view_closed("kit_modal")
    def closed(ack: Any, body: dict[str, Any]) -> None:
        ack()
        recorder.add(body)
