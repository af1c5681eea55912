"""Play Slack's side towards the bot: signed HTTP requests with Slack's payload shapes.

Every request is built from what the fake workspace really holds (the view a user sees, the message
they click on), so a test cannot click a button the bot never rendered or fill a field that does not
exist: both raise LookupError. Trigger ids and response URLs are issued by the fake and behave like
Slack's (expiry, single use).

Blocks sent without a `block_id` get one from Slack; the driver derives the same stable id for a block
at a given position (`with_block_ids`), so payloads always name their block as Slack's do.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
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

# Elements whose value Slack keeps in `state.values` (buttons, overflow menus and images have none).
STATEFUL_ELEMENTS = frozenset({
    "plain_text_input", "number_input", "email_text_input", "url_text_input", "static_select", "radio_buttons",
    "external_select", "multi_static_select", "checkboxes", "datetimepicker", "datepicker", "timepicker",
    "users_select", "multi_users_select", "conversations_select", "multi_conversations_select",
    "channels_select", "multi_channels_select",
})
_BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


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


def generated_block_id(index: int) -> str:
    """The id Slack gives the block at `index` when the app sent none (stable, Slack-looking)."""
    digest = int.from_bytes(hashlib.sha1(f"block-{index}".encode()).digest()[:4], "big")
    chars = []
    for _ in range(5):
        digest, rest = divmod(digest, 62)
        chars.append(_BASE62[rest])
    return "".join(chars)


def with_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`blocks` (shallow copies) with every block_id filled in, as Slack stores and sends them."""
    return [block if block.get("block_id") else {**block, "block_id": generated_block_id(index)}
            for index, block in enumerate(blocks)]


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


def find_element(blocks: list[dict[str, Any]], action_id: str, value: str | None = None, *,
                 block_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    for block, element in iter_elements(with_block_ids(blocks)):
        if element.get("action_id") == action_id and (value is None or element.get("value") == value) \
                and (block_id is None or block["block_id"] == block_id):
            return block, element
    raise LookupError(f"no element with action_id={action_id!r}" + (f" and value={value!r}" if value else "")
                      + (f" in block {block_id!r}" if block_id else ""))


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
    elif kind == "multi_conversations_select":
        state["selected_conversations"] = list(value or [])
    elif kind == "channels_select":
        state["selected_channel"] = value
    elif kind == "multi_channels_select":
        state["selected_channels"] = list(value or [])
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
    if kind in {"multi_static_select", "checkboxes", "multi_users_select", "multi_conversations_select",
                "multi_channels_select"}:
        return []
    return None


def blocks_state(blocks: list[dict[str, Any]], values: dict[str, Any], *, all_stateful: bool = False
                 ) -> dict[str, dict[str, Any]]:
    """`state.values` for `blocks`: `values` by block_id, initial values elsewhere.

    A block's entry in `values` is the value of its element, or, for a block with several stateful
    elements (an actions block), a dict of values by action_id. Input blocks are always included; other
    blocks when named in `values` or when `all_stateful` (Slack sends every stateful element's state).
    """
    blocks = with_block_ids(blocks)
    unknown = set(values) - {b["block_id"] for b in blocks}
    if unknown:
        raise LookupError(f"there are no blocks {sorted(unknown)}")
    state: dict[str, dict[str, Any]] = {}
    for block, element in iter_elements(blocks):
        block_id = block["block_id"]
        if element.get("type") not in STATEFUL_ELEMENTS or not element.get("action_id"):
            continue
        if block.get("type") != "input" and block_id not in values and not all_stateful:
            continue
        given = values.get(block_id, _UNSET)
        if isinstance(given, dict) and given.keys() <= _action_ids(block):
            given = given.get(element["action_id"], _UNSET)
        value = initial_value(element) if given is _UNSET else given
        state.setdefault(block_id, {})[element["action_id"]] = state_value(element, value)
    return state


_UNSET: Any = object()


def _action_ids(block: dict[str, Any]) -> set[str]:
    return {e.get("action_id", "") for _, e in iter_elements([block])}


def _has_state(blocks: list[dict[str, Any]]) -> bool:
    return any(e.get("type") in STATEFUL_ELEMENTS for _, e in iter_elements(blocks))


_MENTION = re.compile(r"(?<![\w<])([@#])([a-z0-9][a-z0-9._-]*)", re.IGNORECASE)


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
        reply = self.post(urllib.parse.urlencode(form).encode())
        answer = _command_answer(reply)
        if answer:
            # Slack shows a command's immediate answer like a post to its response_url.
            self.fake.handle_response_url(form["response_url"].rsplit("/", 1)[-1], answer)
        return reply

    # ------------------------------------------------------------------ modals

    def view_state(self, record: ViewRecord, values: dict[str, Any]) -> dict[str, Any]:
        """state.values for the view's input blocks: `values` by block_id, initial values elsewhere
        (see `blocks_state` for blocks with several elements)."""
        return blocks_state(record.view.get("blocks", []), values)

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
        """The user presses the X: the whole modal goes. Each view of it that asked to be notified gets a
        `view_closed` (top first; `is_cleared` when a stack of views went). Returns the first reply."""
        record = self.fake.view(view_id)
        stack = self.fake.view_stack(record.user) or [record]
        self.fake.close_view(view_id)
        replies = [self._view_closed(view, cleared=len(stack) > 1) for view in reversed(stack)]
        return next((reply for reply in replies if reply is not None), None)

    def cancel(self, view_id: str) -> BotReply | None:
        """The user presses the view's close button (Cancel, or Back on a pushed view): a pushed view goes
        back to the one below it; a root view, or a view with `clear_on_close`, closes the modal."""
        record = self.fake.view(view_id)
        if record.previous_view_id and not record.view.get("clear_on_close"):
            self.fake.pop_view(view_id)
            return self._view_closed(record, cleared=False)
        return self.close(view_id)

    def _view_closed(self, record: ViewRecord, *, cleared: bool) -> BotReply | None:
        if not record.view.get("notify_on_close"):
            return None
        view = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
        payload = {"type": "view_closed", "team": self._team(), "user": self._user(record.user),
                   "api_app_id": self.fake.app_id, "view": view, "is_cleared": cleared}
        return self._post_payload(payload)

    # ------------------------------------------------------------------ clicks

    def click(self, user_id: str, action_id: str, *, message: Message | None = None,
              ephemeral: Ephemeral | None = None, view: ViewRecord | None = None, home: bool = False,
              value: str | None = None, selected: Any = None, block_id: str | None = None,
              state: dict[str, Any] | None = None, typed: dict[str, Any] | None = None) -> BotReply:
        """Click (or choose in) the element `action_id` on a message, ephemeral message, view or Home tab.

        `value` picks among several buttons sharing an action_id, `block_id` among elements in different
        blocks; `selected` is the option chosen in a select, overflow or picker. `state` holds what the
        person has filled in elsewhere on the surface, by block_id as in `blocks_state` (untouched
        elements send their initial values). `typed` is what the user has typed into a modal's inputs so
        far (by block_id), which Slack sends in the view's state with the click.
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
            payload["response_url"] = self.fake.issue_response_url(
                message.channel, user_id, message.ts, thread_ts=message.thread_ts if message.is_reply else None)
            if state or _has_state(blocks):
                payload["state"] = {"values": blocks_state(blocks, state or {}, all_stateful=True)}
        elif ephemeral is not None:
            blocks = ephemeral.blocks
            payload["container"] = {"type": "message", "message_ts": ephemeral.ts,
                                    "channel_id": ephemeral.channel, "is_ephemeral": True}
            payload["channel"] = {"id": ephemeral.channel, "name": self.fake.channels[ephemeral.channel].name}
            payload["response_url"] = self.fake.issue_response_url(ephemeral.channel, user_id, ephemeral.ts,
                                                                   thread_ts=ephemeral.thread_ts)
            if state or _has_state(blocks):
                payload["state"] = {"values": blocks_state(blocks, state or {}, all_stateful=True)}
        elif view is not None or home:
            record = view or self.fake.home_record(user_id)
            if record is None:
                raise LookupError(f"{user_id} has no Home tab")
            blocks = record.view.get("blocks", [])
            api_view = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
            if record.view.get("type") == "modal":
                given = state if state is not None else (typed or {})
                api_view["state"] = {"values": blocks_state(blocks, given, all_stateful=state is not None)}
            else:
                api_view["state"] = {"values": blocks_state(blocks, state, all_stateful=True) if state else {}}
            payload["container"] = {"type": "view", "view_id": record.id}
            payload["view"] = api_view
        else:
            raise ValueError("click needs a message, ephemeral, view or home")

        is_button = element_is_button(blocks, action_id)
        block, element = find_element(blocks, action_id, value if is_button else None, block_id=block_id)
        action: dict[str, Any] = {"action_id": action_id, "block_id": block.get("block_id", ""),
                                  "type": element["type"], "action_ts": f"{time.time():.6f}"}
        if element["type"] == "button":
            action["text"] = element["text"]
            if "value" in element:
                action["value"] = element["value"]
            if "url" in element:
                action["url"] = element["url"]
            if "style" in element:
                action["style"] = element["style"]
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

    def global_shortcut(self, user_id: str, callback_id: str) -> BotReply:
        """A shortcut from the composer's shortcut menu (not tied to a message)."""
        payload = {
            "type": "shortcut", "callback_id": callback_id, "team": self._team(), "user": self._user(user_id),
            "action_ts": f"{time.time():.6f}", "api_app_id": self.fake.app_id,
            "token": "verification-token-unused", "trigger_id": self.fake.issue_trigger(user_id),
            "is_enterprise_install": False, "enterprise": None,
        }
        return self._post_payload(payload)

    def app_home_opened(self, user_id: str, *, tab: str = "home") -> BotReply:
        """The user opens the app's Home tab (or its Messages tab, `tab="messages"`)."""
        event: dict[str, Any] = {"type": "app_home_opened", "user": user_id,
                                 "channel": self.fake.im_channel(user_id).id, "tab": tab}
        record = self.fake.home_record(user_id) if tab == "home" else None
        if record is not None:
            event["view"] = record.to_api(self.fake.team_id, self.fake.app_id, self.fake.bot_id)
        return self.event(event)

    # ------------------------------------------------------------------ people writing in channels

    def message(self, user_id: str, channel_id: str, typed: str, *, thread_ts: str | None = None,
                deliver: bool = True) -> tuple[Message, BotReply | None]:
        """`user_id` sends `typed` (as typed in Slack's composer: `@name` and `#channel` become mentions)
        in a channel, DM or thread; the bot gets the Events API `message` event when `deliver`."""
        text, blocks = self.typed_text(typed)
        posted = self.fake.post_as_user(user_id, channel_id, text, thread_ts=thread_ts, blocks=blocks)
        return posted, self.message_posted(posted) if deliver else None

    def edit(self, user_id: str, channel_id: str, ts: str, typed: str, *, deliver: bool = True
             ) -> BotReply | None:
        """`user_id` edits their own message; the bot gets a `message_changed` event when `deliver`."""
        text, blocks = self.typed_text(typed)
        before, after = self.fake.edit_as_user(channel_id, ts, text, blocks=blocks, user_id=user_id)
        return self.message_changed(before, after) if deliver else None

    def delete(self, user_id: str, channel_id: str, ts: str, *, deliver: bool = True) -> BotReply | None:
        """`user_id` deletes their own message; the bot gets a `message_deleted` event when `deliver`."""
        gone = self.fake.delete_as_user(channel_id, ts, user_id=user_id)
        return self.message_deleted(gone) if deliver else None

    def typed_text(self, typed: str) -> tuple[str, list[dict[str, Any]]]:
        """What Slack's composer sends for `typed`: mrkdwn-escaped text with mentions, and rich_text."""
        handles = {u.name.lower(): u.id for u in self.fake.users.values() if not u.deleted}
        channels = {c.name.lower(): c.id for c in self.fake.channels.values() if not c.is_im}
        text: list[str] = []
        elements: list[dict[str, Any]] = []
        position = 0

        def plain(chunk: str) -> None:
            if chunk:
                text.append(chunk.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
                elements.append({"type": "text", "text": chunk})

        for match in _MENTION.finditer(typed):
            sigil, name = match.group(1), match.group(2).lower()
            target = handles.get(name) if sigil == "@" else channels.get(name)
            if target is None:
                continue
            plain(typed[position:match.start()])
            if sigil == "@":
                text.append(f"<@{target}>")
                elements.append({"type": "user", "user_id": target})
            else:
                text.append(f"<#{target}>")
                elements.append({"type": "channel", "channel_id": target})
            position = match.end()
        plain(typed[position:])
        blocks = [{"type": "rich_text", "block_id": generated_block_id(0),
                   "elements": [{"type": "rich_text_section", "elements": elements}]}] if elements else []
        return "".join(text), blocks


def _command_answer(reply: BotReply) -> dict[str, Any] | None:
    """A slash command's immediate answer (text or blocks in the 200 body), if it gave one."""
    if reply.status != 200 or not reply.body.strip():
        return None
    if "json" in reply.headers.get("Content-Type", reply.headers.get("content-type", "")):
        answer = reply.json()
        return answer if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")) else None
    return {"text": reply.text}


def element_is_button(blocks: list[dict[str, Any]], action_id: str) -> bool:
    return any(e.get("action_id") == action_id and e.get("type") == "button" for _, e in iter_elements(blocks))
