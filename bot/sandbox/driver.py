"""Play Slack's side towards the bot: signed HTTP requests with Slack's payload shapes.

Every request is built from what the fake workspace really holds (the view a user sees, the message
they click on), so a test cannot click a button the bot never rendered or fill a field that does not
exist: both raise LookupError. Trigger ids and response URLs are issued by the fake and behave like
Slack's (expiry, single use).
"""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.sandbox.fake_slack import Ephemeral, FakeSlack, Message, ViewRecord
from bot.sandbox.signing import signed_headers


@dataclass
class BotReply:
    status: int
    body: bytes
    headers: dict[str, str]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every interactive element in `blocks`."""
    for block in blocks:
        if block.get("type") == "actions":
            for element in block.get("elements", []):
                yield block, element
        elif block.get("type") == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif block.get("type") == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def find_element(blocks: list[dict[str, Any]], action_id: str, value: str | None = None
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    for block, element in iter_elements(blocks):
        if element.get("action_id") == action_id and (value is None or element.get("value") == value):
            return block, element
    raise LookupError(f"no element with action_id={action_id!r}" + (f" and value={value!r}" if value else ""))


def _find_option(element: dict[str, Any], value: str) -> dict[str, Any]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options += group.get("options", [])
    for option in options:
        if option.get("value") == value:
            return option
    raise LookupError(f"{element.get('action_id')!r} has no option with value {value!r}")


def state_value(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """The `state.values` entry Slack sends for `element` holding `value` (None: left empty)."""
    kind = element["type"]
    state: dict[str, Any] = {"type": kind}
    if kind in {"plain_text_input", "number_input", "email_text_input", "url_text_input"}:
        state["value"] = None if value is None else str(value)
    elif kind in {"static_select", "radio_buttons", "external_select"}:
        state["selected_option"] = None if value is None else _find_option(element, str(value))
    elif kind in {"multi_static_select", "checkboxes"}:
        state["selected_options"] = [_find_option(element, str(v)) for v in (value or [])]
    elif kind == "datetimepicker":
        if isinstance(value, datetime):
            value = int(value.timestamp())
        state["selected_date_time"] = value
    elif kind == "datepicker":
        state["selected_date"] = value.isoformat() if isinstance(value, date) else value
    elif kind == "timepicker":
        state["selected_time"] = value
    elif kind == "users_select":
        state["selected_user"] = value
    elif kind == "multi_users_select":
        state["selected_users"] = list(value or [])
    elif kind == "conversations_select":
        state["selected_conversation"] = value
    elif kind == "channels_select":
        state["selected_channel"] = value
    else:
        raise LookupError(f"the driver cannot fill a {kind!r} element")
    return state


def initial_value(element: dict[str, Any]) -> Any:
    """What a user who leaves `element` untouched submits."""
    kind = element["type"]
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    for key in ("initial_value", "initial_date_time", "initial_date", "initial_time", "initial_user",
                "initial_conversation", "initial_channel"):
        if key in element:
            return element[key]
    if kind in {"multi_static_select", "checkboxes", "multi_users_select"}:
        return []
    return None


class SlackDriver:
    """Sends the bot what Slack would send when people use it."""

    _event_ids = itertools.count(1)

    def __init__(self, fake: FakeSlack, bot_url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.fake = fake
        self.bot_url = bot_url
        self.signing_secret = signing_secret
        self.timeout = timeout

    # ------------------------------------------------------------------ transport

    def post(self, body: bytes, *, content_type: str = "application/x-www-form-urlencoded",
             headers: dict[str, str] | None = None, timestamp: int | None = None,
             sign: bool = True) -> BotReply:
        all_headers = signed_headers(self.signing_secret, body, timestamp=timestamp, content_type=content_type) \
            if sign else {"Content-Type": content_type}
        all_headers.update(headers or {})
        request = urllib.request.Request(self.bot_url, data=body, headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return BotReply(response.status, response.read(), dict(response.headers))
        except urllib.error.HTTPError as exc:
            return BotReply(exc.code, exc.read(), dict(exc.headers))

    def _post_payload(self, payload: dict[str, Any]) -> BotReply:
        return self.post(urllib.parse.urlencode({"payload": json.dumps(payload)}).encode())

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.fake.users[user_id]
        return {"id": user.id, "username": user.name, "name": user.name, "team_id": self.fake.team_id}

    def _team(self) -> dict[str, Any]:
        return {"id": self.fake.team_id, "domain": self.fake.domain}

    # ------------------------------------------------------------------ slash commands

    def command(self, user_id: str, text: str = "", *, command: str = "/recover",
                channel_id: str | None = None) -> BotReply:
        channel_id = channel_id or self.fake.im_channel(user_id).id
        channel = self.fake.channels.get(channel_id)
        form = {
            "token": "verification-token-unused", "team_id": self.fake.team_id, "team_domain": self.fake.domain,
            "channel_id": channel_id, "channel_name": channel.name if channel else "directmessage",
            "user_id": user_id, "user_name": self.fake.users[user_id].name, "command": command, "text": text,
            "api_app_id": self.fake.app_id, "is_enterprise_install": "false",
            "response_url": self.fake.issue_response_url(channel_id, user_id),
            "trigger_id": self.fake.issue_trigger(user_id),
        }
        return self.post(urllib.parse.urlencode(form).encode())

    # ------------------------------------------------------------------ modals

    def view_state(self, record: ViewRecord, values: dict[str, Any]) -> dict[str, Any]:
        """state.values for the view's input blocks: `values` by block_id, initial values elsewhere."""
        unknown = set(values) - {b.get("block_id") for b in record.view.get("blocks", [])}
        if unknown:
            raise LookupError(f"the view has no blocks {sorted(unknown)}")
        state: dict[str, dict[str, Any]] = {}
        for block, element in iter_elements(record.view.get("blocks", [])):
            if block.get("type") != "input" and block.get("block_id") not in values:
                continue
            block_id = block["block_id"]
            value = values[block_id] if block_id in values else initial_value(element)
            state.setdefault(block_id, {})[element["action_id"]] = state_value(element, value)
        return state

    def submit(self, view_id: str, values: dict[str, Any] | None = None, *, user_id: str | None = None
               ) -> BotReply:
        """Press the modal's submit button after filling `values` (by block_id); applies the answer."""
        record = self.fake.view(view_id)
        if record.closed:
            raise LookupError(f"view {view_id} is closed")
        user_id = user_id or record.user
        view = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
        view["state"] = {"values": self.view_state(record, values or {})}
        payload = {
            "type": "view_submission", "team": self._team(), "user": self._user(user_id),
            "api_app_id": self.fake.app_id, "token": "verification-token-unused",
            "trigger_id": self.fake.issue_trigger(user_id), "view": view, "response_urls": [],
            "is_enterprise_install": False,
        }
        reply = self._post_payload(payload)
        if reply.status == 200:
            self.fake.apply_view_response(view_id, reply.json())
        return reply

    def close(self, view_id: str) -> BotReply | None:
        """The user presses Cancel or the X; the bot hears of it only if the view asked to be notified."""
        record = self.fake.view(view_id)
        self.fake.close_view(view_id)
        if not record.view.get("notify_on_close"):
            return None
        view = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
        payload = {"type": "view_closed", "team": self._team(), "user": self._user(record.user),
                   "api_app_id": self.fake.app_id, "view": view, "is_cleared": False}
        return self._post_payload(payload)

    # ------------------------------------------------------------------ clicks

    def click(self, user_id: str, action_id: str, *, message: Message | None = None,
              ephemeral: Ephemeral | None = None, view: ViewRecord | None = None, home: bool = False,
              value: str | None = None, selected: Any = None, typed: dict[str, Any] | None = None) -> BotReply:
        """Click (or choose in) the element `action_id` on a message, ephemeral message, view or Home tab.

        `value` picks among several buttons sharing an action_id; `selected` is the option chosen in a
        select, overflow or picker. `typed` is what the user has typed into a modal's inputs so far (by
        block_id), which Slack sends in the view's state with the click.
        """
        payload: dict[str, Any] = {
            "type": "block_actions", "team": self._team(), "user": self._user(user_id),
            "api_app_id": self.fake.app_id, "token": "verification-token-unused",
            "trigger_id": self.fake.issue_trigger(user_id), "is_enterprise_install": False,
        }
        if message is not None:
            blocks = message.blocks
            payload["container"] = {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": message.channel, "name": self.fake.channels[message.channel].name}
            payload["message"] = message.to_api()
            payload["response_url"] = self.fake.issue_response_url(message.channel, user_id, message.ts)
        elif ephemeral is not None:
            blocks = ephemeral.blocks
            payload["container"] = {"type": "message", "message_ts": ephemeral.ts,
                                    "channel_id": ephemeral.channel, "is_ephemeral": True}
            payload["channel"] = {"id": ephemeral.channel, "name": self.fake.channels[ephemeral.channel].name}
            payload["response_url"] = self.fake.issue_response_url(ephemeral.channel, user_id, ephemeral.ts)
        elif view is not None or home:
            record = view or self.fake.home_record(user_id)
            if record is None:
                raise LookupError(f"{user_id} has no Home tab")
            blocks = record.view.get("blocks", [])
            api_view = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
            api_view["state"] = {"values": self.view_state(record, typed or {})} \
                if record.view.get("type") == "modal" else {"values": {}}
            payload["container"] = {"type": "view", "view_id": record.id}
            payload["view"] = api_view
        else:
            raise ValueError("click needs a message, ephemeral, view or home")

        block, element = find_element(blocks, action_id, value if element_is_button(blocks, action_id) else None)
        action: dict[str, Any] = {"action_id": action_id, "block_id": block.get("block_id", ""),
                                  "type": element["type"], "action_ts": f"{time.time():.6f}"}
        if element["type"] == "button":
            action["text"] = element["text"]
            if "value" in element:
                action["value"] = element["value"]
        elif element["type"] == "overflow":
            action["selected_option"] = _find_option(element, str(selected))
        else:
            action.update({k: v for k, v in state_value(element, selected).items() if k != "type"})
        payload["actions"] = [action]
        return self._post_payload(payload)

    # ------------------------------------------------------------------ shortcuts and events

    def message_shortcut(self, user_id: str, callback_id: str, message: Message) -> BotReply:
        payload = {
            "type": "message_action", "callback_id": callback_id, "team": self._team(),
            "user": self._user(user_id), "channel": {"id": message.channel,
                                                     "name": self.fake.channels[message.channel].name},
            "message": message.to_api(), "message_ts": message.ts, "api_app_id": self.fake.app_id,
            "token": "verification-token-unused", "trigger_id": self.fake.issue_trigger(user_id),
            "response_url": self.fake.issue_response_url(message.channel, user_id),
            "is_enterprise_install": False,
        }
        return self._post_payload(payload)

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
              retry_reason: str = "http_timeout") -> BotReply:
        """Deliver an Events API event; pass the same event_id and a retry_num to replay a Slack retry."""
        event_id = event_id or f"Ev{next(self._event_ids):010d}"
        event.setdefault("event_ts", f"{time.time():.6f}")
        envelope = {
            "token": "verification-token-unused", "team_id": self.fake.team_id, "api_app_id": self.fake.app_id,
            "event": event, "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"team_id": self.fake.team_id, "user_id": self.fake.bot_user_id,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(json.dumps(envelope).encode(), content_type="application/json", headers=headers)

    def _message_event(self, channel_id: str, **fields: Any) -> dict[str, Any]:
        channel = self.fake.channels[channel_id]
        kind = "im" if channel.is_im else "group" if channel.is_private else "channel"
        return {"type": "message", "channel": channel_id, "channel_type": kind, **fields}

    def message_posted(self, message: Message, *, event_id: str | None = None, retry_num: int | None = None
                       ) -> BotReply:
        """The message.channels / message.groups event for a message already in the fake (post_as_user)."""
        data = message.to_api()
        if message.thread_ts and message.thread_ts != message.ts:
            data["parent_user_id"] = (self.fake.message(message.channel, message.thread_ts) or message).user
        data.update({"team": self.fake.team_id, "event_ts": message.ts})
        if not message.bot_id and not message.subtype:
            data["client_msg_id"] = f"msg-{message.ts}"
        return self.event(self._message_event(message.channel, **data), event_id=event_id, retry_num=retry_num)

    def message_changed(self, before: Message, after: Message, *, event_id: str | None = None) -> BotReply:
        """Slack's message_changed event: the new message nested, the old one as previous_message."""
        event_ts = after.edited_ts or after.ts
        return self.event(self._message_event(after.channel, subtype="message_changed", hidden=True,
                                              message=after.to_api(), previous_message=before.to_api(),
                                              ts=event_ts, event_ts=event_ts), event_id=event_id)

    def message_deleted(self, deleted: Message, *, event_id: str | None = None) -> BotReply:
        """Slack's message_deleted event for a message removed with delete_as_user."""
        event_ts = f"{time.time():.6f}"
        return self.event(self._message_event(deleted.channel, subtype="message_deleted", hidden=True,
                                              deleted_ts=deleted.ts, previous_message=deleted.to_api(),
                                              ts=event_ts, event_ts=event_ts), event_id=event_id)

    def app_home_opened(self, user_id: str) -> BotReply:
        return self.event({"type": "app_home_opened", "user": user_id, "channel": self.fake.im_channel(user_id).id,
                           "tab": "home"})


def element_is_button(blocks: list[dict[str, Any]], action_id: str) -> bool:
    return any(e.get("action_id") == action_id and e.get("type") == "button" for _, e in iter_elements(blocks))
