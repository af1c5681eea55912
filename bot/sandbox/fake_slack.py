"""A strict fake of the Slack Web API, served on 127.0.0.1 with the standard library.

It keeps a small workspace (users, channels, messages, threads, ephemeral messages, modals and Home tabs)
and answers like Slack: `ok: false` with Slack's error names (`invalid_auth`, `channel_not_found`,
`not_in_channel`, `invalid_blocks`, `expired_trigger_id`, ...), HTTP 429 with Retry-After when rate
limited, and it validates every block and view it is sent (see `blockkit`). Trigger ids expire after
3 seconds and can be used once, as on Slack.

Tests and the sandbox read its state through the query methods (`messages`, `thread`, `ephemerals`,
`open_view`, ...) and wait for the bot's work after an ack with `wait_for`, never by sleeping.

    fake = FakeSlack().start()
    fake.add_user("U0ASSOC01", "ada")
    fake.add_channel("C0CASES01", "cases", members=["U0ASSOC01"])
    ...  # run the bot with AMENDS_SLACK_API_URL=fake.api_url
    fake.stop()
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import logging
import math
import mimetypes
import secrets
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.sandbox import blockkit

log = logging.getLogger(__name__)

T = TypeVar("T")

# Slack's limits, from the one table of rules (blockkit.RULES).
TRIGGER_TTL = blockkit.TRIGGER_LIFE
VIEW_STACK_LIMIT = blockkit.VIEW_STACK
VIEW_SIZE_LIMIT = blockkit.VIEW_JSON  # views.publish answers view_too_large past 250 kB of JSON
# Errors that mean "what you sent breaks Slack's rules" (see blockkit.RULES).
PAYLOAD_ERRORS = {"invalid_blocks", "invalid_blocks_format", "invalid_arguments", "msg_too_long",
                  "msg_blocks_too_long", "view_too_large"}
JSON_ARGS = {"blocks", "attachments", "view", "metadata", "files", "user_ids", "users"}


class SlackError(Exception):
    """An `ok: false` answer."""

    def __init__(self, error: str, *, status: int = 200, retry_after: int | None = None,
                 messages: list[str] | None = None, forced: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.forced = forced  # injected by a test (fail_next, ...), not the fake's own judgement
        self.status = status
        self.retry_after = retry_after
        self.messages = messages or []
        self.recorded = False


# Slack's tz_label is the zone's long name at this moment (standard or daylight); the fake knows a few and
# falls back to the abbreviation. With no tz (Slackbot), Slack still sends Pacific time's label and offset.
_TZ_LABELS = {
    "Europe/London": ("Greenwich Mean Time", "British Summer Time"),
    "Europe/Madrid": ("Central European Time", "Central European Summer Time"),
    "Europe/Berlin": ("Central European Time", "Central European Summer Time"),
    "America/New_York": ("Eastern Standard Time", "Eastern Daylight Time"),
    "America/Los_Angeles": ("Pacific Standard Time", "Pacific Daylight Time"),
    "Asia/Singapore": ("Singapore Standard Time", "Singapore Standard Time"),
    "Asia/Tokyo": ("Japan Standard Time", "Japan Standard Time"),
}


def _tz_now(tz: str | None) -> tuple[str, int]:
    """users.info's tz_label and tz_offset (seconds east of UTC) for `tz`, as of now."""
    zone = ZoneInfo(tz or "America/Los_Angeles")
    now = datetime.now(zone)
    standard, daylight = _TZ_LABELS.get(zone.key, (now.tzname() or zone.key,) * 2)
    offset = now.utcoffset()
    return (daylight if now.dst() else standard), int(offset.total_seconds()) if offset is not None else 0


@dataclass
class User:
    id: str
    name: str
    real_name: str
    tz: str | None = "Europe/London"  # Slack sends null for a few accounts (Slackbot)
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    phone: str = ""  # profile fields people fill in; Slack sends "" for an empty phone
    email: str = ""  # Slack sends the email only to apps with users:read.email (the fake always does)

    def to_api(self, team_id: str) -> dict[str, Any]:
        profile = {"real_name": self.real_name, "display_name": self.name, "phone": self.phone}
        label, offset = _tz_now(self.tz)
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id, "team_id": team_id, "name": self.name, "real_name": self.real_name,
            "tz": self.tz, "tz_label": label, "tz_offset": offset, "is_bot": self.is_bot, "is_admin": self.is_admin,
            "deleted": self.deleted, "profile": profile,
        }


@dataclass
class Channel:
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    members: set[str] = field(default_factory=set)
    created: int = field(default_factory=lambda: int(time.time()))

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "created": self.created,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private, "is_im": self.is_im, "is_private": self.is_private or self.is_im,
            "is_archived": self.is_archived, "num_members": len(self.members),
        }


@dataclass
class Message:
    channel: str
    ts: str
    user: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    files: list[dict[str, Any]] = field(default_factory=list)
    bot_id: str | None = None
    edited_ts: str | None = None
    subtype: str | None = None

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, include_metadata: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {"type": "message", "ts": self.ts, "user": self.user, "text": self.text}
        if self.blocks:
            data["blocks"] = self.blocks
        if self.thread_ts:
            data["thread_ts"] = self.thread_ts
        if self.metadata and include_metadata:
            data["metadata"] = self.metadata
        if self.files:
            data["files"] = self.files
        if self.bot_id:
            data["bot_id"] = self.bot_id
        if self.edited_ts:
            data["edited"] = {"user": self.user, "ts": self.edited_ts}
        if self.subtype:
            data["subtype"] = self.subtype
        return data


@dataclass
class Ephemeral:
    channel: str
    user: str
    ts: str
    text: str = ""
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"  # or "response_url"


@dataclass
class ViewRecord:
    id: str
    user: str
    view: dict[str, Any]
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    closed: bool = False

    def to_api(self, team_id: str, app_id: str, bot_id: str) -> dict[str, Any]:
        data = dict(self.view)
        data.setdefault("private_metadata", "")
        data.setdefault("callback_id", "")
        data.setdefault("external_id", "")
        data.update({
            "id": self.id, "team_id": team_id, "hash": self.hash, "app_id": app_id, "bot_id": bot_id,
            "root_view_id": self.root_view_id, "previous_view_id": self.previous_view_id,
            "state": {"values": {}},
        })
        return data


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float
    used: bool = False


@dataclass
class ResponseUrl:
    token: str
    channel: str
    user: str
    message_ts: str | None  # the message a click came from, for replace_original
    issued_at: float
    uses: int = 0
    # A click on a reply in a thread is answered in that thread, as Slack does.
    thread_ts: str | None = None


@dataclass
class ApiCall:
    method: str
    args: dict[str, Any]
    ok: bool
    error: str | None
    at: float
    forced: bool = False


@dataclass
class Upload:
    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    alt_txt: str | None = None
    completed: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated: float


# How long a test waits for the bot's work after an ack before calling it missing. It returns as soon as the
# work shows, so a passing test never waits it out; generous because a full suite run on a 2-core machine
# (browser, two databases, bot processes) has timed out at 5 s on work that takes 20 ms alone. Speed is
# the benches' business, not the tests'.
WAIT_FOR_TIMEOUT = 15.0


class FakeSlack:
    """The workspace state plus the HTTP server that serves it."""

    def __init__(self, *, bot_token: str = "xoxb-fake-bot-token", team_id: str = "T0AMENDS1",
                 bot_user_id: str = "U0AMENDSBOT", bot_id: str = "B0AMENDSBOT", app_id: str = "A0AMENDS1",
                 trigger_ttl: float = TRIGGER_TTL, home_tab_enabled: bool = True) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        # The app's Home tab switch (app_home.home_tab_enabled in the manifest): off, views.publish fails.
        self.home_tab_enabled = home_tab_enabled
        self.domain = "amends-sandbox"

        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.usergroups: dict[str, list[str]] = {}
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._views: dict[str, ViewRecord] = {}
        self._homes: dict[str, ViewRecord] = {}
        self._triggers: dict[str, Trigger] = {}
        self._response_urls: dict[str, ResponseUrl] = {}
        self._uploads: dict[str, Upload] = {}
        self._calls: list[ApiCall] = []

        self._forced: dict[str, list[SlackError]] = {}
        self._forced_after: dict[str, list[SlackError]] = {}
        self._channel_rate: tuple[float, int] | None = None
        self._buckets: dict[str, _Bucket] = {}
        self._latency = 0.0

        self._ids = itertools.count(1)
        self._last_ts = 0.0
        self._changed = threading.Condition(threading.RLock())
        self.revision = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

        self.add_user(bot_user_id, "amends", "Amends", is_bot=True)

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0, host: str = "127.0.0.1") -> FakeSlack:
        """`host`: another address of this machine, e.g. a container network's gateway (bench/container_smoke)."""
        handler = type("FakeSlackHandler", (_Handler,), {"fake": self})
        self._server = _Server((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start() if self._server is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What to give WebClient(base_url=...) or AMENDS_SLACK_API_URL."""
        return f"{self.base_url}/api/"

    # ------------------------------------------------------------------ workspace set-up

    def add_user(self, user_id: str, name: str, real_name: str | None = None, **kwargs: Any) -> User:
        with self._changed:
            user = User(user_id, name, real_name or name.title(), **kwargs)
            self.users[user_id] = user
            self._touch()
            return user

    def set_timezone(self, user_id: str, tz: str | None) -> None:
        """The person changed the timezone in their Slack profile (users.info answers with it from now on)."""
        with self._changed:
            self.users[user_id].tz = tz
            self._touch()

    def add_channel(self, channel_id: str, name: str, *, members: list[str] = (), is_private: bool = False,
                    bot_member: bool = True) -> Channel:
        with self._changed:
            channel = Channel(channel_id, name, is_private=is_private, members=set(members))
            if bot_member:
                channel.members.add(self.bot_user_id)
            self.channels[channel_id] = channel
            self._messages.setdefault(channel_id, [])
            self._touch()
            return channel

    def add_usergroup(self, group_id: str, members: list[str]) -> None:
        with self._changed:
            self.usergroups[group_id] = list(members)

    def im_channel(self, user_id: str) -> Channel:
        """The DM between the bot and `user_id` (created on first use, as conversations.open does)."""
        with self._changed:
            channel_id = "D" + user_id[1:]
            if channel_id not in self.channels:
                self.channels[channel_id] = Channel(channel_id, user_id, is_im=True,
                                                    members={user_id, self.bot_user_id})
                self._messages[channel_id] = []
            return self.channels[channel_id]

    def post_as_user(self, user_id: str, channel_id: str, text: str, *, thread_ts: str | None = None,
                     blocks: list[dict[str, Any]] | None = None) -> Message:
        """A person's message (what the sandbox composer sends); returns it for building events."""
        with self._changed:
            message = Message(channel_id, self._next_ts(), user_id, text, blocks or [], thread_ts)
            self._messages.setdefault(channel_id, []).append(message)
            self._touch()
            return message

    def edit_as_user(self, channel_id: str, ts: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
                     user_id: str | None = None) -> tuple[Message, Message]:
        """The author edits their message; returns (before, after) for building a message_changed event.

        `blocks` replaces the message's blocks (the rich_text Slack's composer makes); with `user_id`, only
        that person's own message can be edited (LookupError otherwise), as on Slack.
        """
        with self._changed:
            message = self._authored(channel_id, ts, user_id)
            before = copy.deepcopy(message)
            message.text, message.edited_ts = text, self._next_ts()
            if blocks is not None:
                message.blocks = blocks
            self._touch()
            return before, copy.deepcopy(message)

    def delete_as_user(self, channel_id: str, ts: str, *, user_id: str | None = None) -> Message:
        """The author deletes their message (its replies stay, as on Slack); returns what was deleted.
        With `user_id`, only that person's own message can be deleted."""
        with self._changed:
            message = self._authored(channel_id, ts, user_id)
            self._messages[channel_id].remove(message)
            self._touch()
            return message

    def _authored(self, channel_id: str, ts: str, user_id: str | None) -> Message:
        message = self._find_message(channel_id, ts)
        if message is None:
            raise LookupError(f"no message {ts} in {channel_id}")
        if user_id is not None and message.user != user_id:
            raise LookupError(f"{user_id} did not write message {ts} in {channel_id}")
        return message

    # ------------------------------------------------------------------ fault injection

    def fail_next(self, method: str, error: str = "internal_error", *, status: int = 500,
                  count: int = 1, messages: list[str] | None = None) -> None:
        """The next `count` calls of `method` fail with `error` (HTTP `status`), with `messages` in
        response_metadata as Slack gives for invalid_arguments / invalid_blocks."""
        with self._changed:
            self._forced.setdefault(method, []).extend(
                SlackError(error, status=status, messages=messages, forced=True) for _ in range(count))

    def fail_after_next(self, method: str, error: str = "internal_error", *, status: int = 500,
                        count: int = 1) -> None:
        """The next `count` calls of `method` take effect, then answer with an error: the ambiguous case
        of a request Slack processed but whose answer never arrived intact."""
        with self._changed:
            self._forced_after.setdefault(method, []).extend(
                SlackError(error, status=status, forced=True) for _ in range(count))

    def rate_limit_next(self, method: str, *, count: int = 1, retry_after: int = 1) -> None:
        """The next `count` calls of `method` get HTTP 429 with Retry-After."""
        with self._changed:
            self._forced.setdefault(method, []).extend(
                SlackError("ratelimited", status=429, retry_after=retry_after, forced=True) for _ in range(count)
            )

    def limit_posts_per_channel(self, per_second: float, burst: int = 1) -> None:
        """Slack's message posting limit: about one message per second per channel, short bursts allowed."""
        with self._changed:
            self._channel_rate = (per_second, burst)
            self._buckets.clear()

    def set_latency(self, seconds: float) -> None:
        """Delay every Web API answer, like a real network round trip."""
        self._latency = seconds

    # ------------------------------------------------------------------ what Slack's other side issues

    def issue_trigger(self, user_id: str, *, age: float = 0.0) -> str:
        """A trigger_id for an interaction by `user_id` that happened `age` seconds ago (real time: Slack's
        clock is not the bot's FrozenClock)."""
        with self._changed:
            trigger_id = f"{next(self._ids)}.{self.team_id}.{secrets.token_hex(8)}"
            self._triggers[trigger_id] = Trigger(trigger_id, user_id, time.monotonic() - age)
            return trigger_id

    def issue_response_url(self, channel_id: str, user_id: str, message_ts: str | None = None, *,
                           thread_ts: str | None = None, age: float = 0.0) -> str:
        with self._changed:
            token = secrets.token_urlsafe(12)
            self._response_urls[token] = ResponseUrl(token, channel_id, user_id, message_ts,
                                                     time.monotonic() - age,
                                                     thread_ts=thread_ts)
            return f"{self.base_url}/response/{token}"

    def close_view(self, view_id: str) -> None:
        """The user closed the modal (the whole stack goes)."""
        with self._changed:
            record = self._views.get(view_id)
            if record:
                for other in self._views.values():
                    if other.root_view_id == record.root_view_id:
                        other.closed = True
                self._touch()

    def apply_view_response(self, view_id: str, response: dict[str, Any] | None) -> None:
        """Apply the bot's answer to a view_submission (errors, update, push, clear, or close)."""
        with self._changed:
            record = self._views[view_id]
            action = (response or {}).get("response_action")
            if action == "errors":
                record.errors = dict(response["errors"])
            elif action == "update":
                self._check_view(response["view"])
                record.view = response["view"]
                record.hash = self._hash()
                record.errors = {}
            elif action == "push":
                self._check_view(response["view"])
                self._push(record, response["view"])
            elif action == "clear":
                self.close_view(view_id)
            else:
                # Plain ack: this view closes and the one below it (if any) shows again.
                record.closed = True
            self._touch()

    def pop_view(self, view_id: str) -> None:
        """The user pressed a pushed view's close button (Back): only that view goes, the one below shows."""
        with self._changed:
            record = self._views.get(view_id)
            if record:
                record.closed = True
                self._touch()

    def dismiss_ephemeral(self, user_id: str, ts: str) -> None:
        """The user pressed "Dismiss" under an ephemeral message (only they saw it)."""
        with self._changed:
            self._ephemerals = [e for e in self._ephemerals if not (e.user == user_id and e.ts == ts)]
            self._touch()

    # ------------------------------------------------------------------ queries for tests and the sandbox

    def messages(self, channel_id: str, *, include_replies: bool = False) -> list[Message]:
        with self._changed:
            return [copy.deepcopy(m) for m in self._messages.get(channel_id, []) if include_replies or not m.is_reply]

    def thread(self, channel_id: str, ts: str) -> list[Message]:
        """Replies in the thread under `ts` (the parent excluded), oldest first."""
        with self._changed:
            return [copy.deepcopy(m) for m in self._messages.get(channel_id, []) if m.thread_ts == ts and m.ts != ts]

    def message(self, channel_id: str, ts: str) -> Message | None:
        with self._changed:
            return copy.deepcopy(self._find_message(channel_id, ts))

    def _find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self._messages.get(channel_id, []) if m.ts == ts), None)

    def metadata_posts(self, event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(channel, ts, event_payload) of every message posted with metadata of `event_type`; cheap enough
        to poll while a benchmark runs (no deep copies of whole messages)."""
        with self._changed:
            return [(m.channel, m.ts, dict(m.metadata.get("event_payload") or {}))
                    for messages in self._messages.values() for m in messages
                    if m.metadata and m.metadata.get("event_type") == event_type]

    def dms(self, user_id: str) -> list[Message]:
        """Messages the bot sent to `user_id` in their DM (the app's Messages tab)."""
        return self.messages(self.im_channel(user_id).id, include_replies=True)

    def ephemerals(self, user_id: str | None = None) -> list[Ephemeral]:
        with self._changed:
            return [copy.deepcopy(e) for e in self._ephemerals if user_id is None or e.user == user_id]

    def views(self, user_id: str | None = None) -> list[ViewRecord]:
        with self._changed:
            return [copy.deepcopy(v) for v in self._views.values() if user_id is None or v.user == user_id]

    def view(self, view_id: str) -> ViewRecord:
        with self._changed:
            return copy.deepcopy(self._views[view_id])

    def open_view(self, user_id: str) -> ViewRecord | None:
        """The modal the user is looking at: the newest view that is not closed."""
        with self._changed:
            open_views = [v for v in self._views.values() if v.user == user_id and not v.closed]
            return copy.deepcopy(open_views[-1]) if open_views else None

    def view_stack(self, user_id: str) -> list[ViewRecord]:
        """The views of the user's open modal, bottom first (the last one is showing); empty if none."""
        with self._changed:
            top = self.open_view(user_id)
            if top is None:
                return []
            return [copy.deepcopy(v) for v in self._views.values()
                    if v.root_view_id == top.root_view_id and not v.closed]

    def home(self, user_id: str) -> dict[str, Any] | None:
        with self._changed:
            record = self._homes.get(user_id)
            return copy.deepcopy(record.view) if record else None

    def home_record(self, user_id: str) -> ViewRecord | None:
        with self._changed:
            return copy.deepcopy(self._homes.get(user_id))

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self._changed:
            return [copy.deepcopy(c) for c in self._calls if method is None or c.method == method]

    def refusals(self) -> list[ApiCall]:
        """Calls Slack would have refused for what the bot sent (bad blocks, views, arguments, sizes), not
        counting errors a test injected: the harness fails a test whose bot sent any."""
        with self._changed:
            return [copy.deepcopy(c) for c in self._calls if c.error in PAYLOAD_ERRORS and not c.forced]

    def call_times(self, method: str, arg: str) -> list[tuple[Any, float, bool]]:
        """(args[arg], when, ok) of every call of `method`, `when` in time.monotonic(): cheap enough to poll
        while a benchmark runs (no copies of whole calls, so the lock is held only briefly)."""
        with self._changed:
            return [(c.args.get(arg), c.at, c.ok) for c in self._calls if c.method == method]

    def uploaded(self, file_id: str) -> Upload | None:
        with self._changed:
            return self._uploads.get(file_id)

    def permalink(self, channel_id: str, ts: str) -> str:
        return f"https://{self.domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"

    def wait_for(self, probe: Callable[[], T], timeout: float = WAIT_FOR_TIMEOUT) -> T:
        """Wait until `probe()` returns something truthy (re-checked on every change) and return it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = probe()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition not met within {timeout}s; last calls: "
                                       f"{[(c.method, c.error) for c in self._calls[-8:]]}")
                self._changed.wait(min(remaining, 0.25))

    def wait_for_change(self, since: int, timeout: float) -> int:
        """Block until the state changes after `since` (for long polling); returns the new revision."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.revision <= since and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())
            return self.revision

    # ------------------------------------------------------------------ dispatch

    def handle_api(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if self._latency:
            time.sleep(self._latency)
        with self._changed:
            try:
                forced = self._forced.get(method)
                if forced:
                    raise forced.pop(0)
                handler = getattr(self, "api_" + method.replace(".", "_"), None)
                if handler is None:
                    raise SlackError("unknown_method")
                if method not in {"api.test"}:
                    self._authenticate(token)
                result = handler(args)
                result = {"ok": True, **result}
                self._record(method, args, None)
                after = self._forced_after.get(method)
                if after:
                    failure = after.pop(0)
                    failure.recorded = True  # the call happened; the caller just doesn't learn it did
                    raise failure
                return result
            except SlackError as exc:
                if not exc.recorded:
                    self._record(method, args, exc.error, forced=exc.forced)
                raise

    def _record(self, method: str, args: dict[str, Any], error: str | None, *, forced: bool = False) -> None:
        self._calls.append(ApiCall(method, args, error is None, error, time.monotonic(), forced))
        self._touch()

    def _touch(self) -> None:
        self.revision += 1
        self._changed.notify_all()

    def _authenticate(self, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if token != self.bot_token:
            raise SlackError("invalid_auth")

    def _next_ts(self) -> str:
        now = max(time.time(), self._last_ts + 0.000001)
        self._last_ts = now
        return f"{now:.6f}"

    def _hash(self) -> str:
        return f"{int(time.time())}.{secrets.token_hex(4)}"

    # ------------------------------------------------------------------ helpers shared by methods

    def _channel_for_post(self, channel_ref: str) -> Channel:
        if not channel_ref:
            raise SlackError("channel_not_found")
        if channel_ref in self.users and channel_ref.startswith(("U", "W")):
            return self.im_channel(channel_ref)  # posting to a user id goes to the app DM
        channel = self.channels.get(channel_ref)
        if channel is None:
            channel = next((c for c in self.channels.values()
                            if c.name == channel_ref.lstrip("#") and not c.is_im), None)
        if channel is None:
            raise SlackError("channel_not_found")
        if self.bot_user_id not in channel.members:
            raise SlackError("channel_not_found" if channel.is_private else "not_in_channel")
        if channel.is_archived:
            raise SlackError("is_archived")
        return channel

    def _readable_channel(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        return channel

    def _check_blocks(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        blocks = args.get("blocks")
        if blocks is None:
            return []
        problems = _cached_problems("message", json.dumps(blocks, sort_keys=True))
        if problems:
            raise SlackError("invalid_blocks", messages=problems)
        if blockkit.blocks_text_length(blocks) > blockkit.MESSAGE_BLOCKS_TEXT:
            raise SlackError("msg_blocks_too_long")
        return blocks

    def _check_view(self, view: Any) -> dict[str, Any]:
        shape = view
        if isinstance(view, dict) and isinstance(view.get("private_metadata"), str):
            # Its only rule is its length: checked as a placeholder of that length, so views differing only in
            # their (sealed, per person) metadata share one cached validation.
            shape = {**view, "private_metadata": "x" * len(view["private_metadata"])}
        problems = _cached_problems("view", json.dumps(shape, sort_keys=True))
        if problems:
            raise SlackError("invalid_arguments", messages=problems)
        return view

    def _check_text(self, args: dict[str, Any], blocks: list[dict[str, Any]]) -> str:
        text = args.get("text") or ""
        if not text and not blocks and not args.get("attachments"):
            raise SlackError("no_text")
        if len(text) > blockkit.MESSAGE_TEXT:
            raise SlackError("msg_too_long")
        return str(text)

    def _use_trigger(self, trigger_id: str | None) -> Trigger:
        trigger = self._triggers.get(trigger_id or "")
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _rate_limit_post(self, channel_id: str) -> None:
        if self._channel_rate is None:
            return
        per_second, burst = self._channel_rate
        now = time.monotonic()
        bucket = self._buckets.setdefault(channel_id, _Bucket(float(burst), now))
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens < 1:
            wait = (1 - bucket.tokens) / per_second
            raise SlackError("ratelimited", status=429, retry_after=max(1, math.ceil(wait)))
        bucket.tokens -= 1

    def _push(self, below: ViewRecord, view: dict[str, Any]) -> ViewRecord:
        depth = sum(1 for v in self._views.values() if v.root_view_id == below.root_view_id and not v.closed)
        if depth >= VIEW_STACK_LIMIT:
            raise SlackError("push_limit_reached")
        record = ViewRecord(self._view_id(), below.user, view, self._hash(), below.root_view_id, below.id)
        self._views[record.id] = record
        return record

    def _view_id(self) -> str:
        return f"V{next(self._ids):010d}"

    def _view_answer(self, record: ViewRecord) -> dict[str, Any]:
        return {"view": record.to_api(self.team_id, self.app_id, self.bot_id)}

    def _find_view(self, args: dict[str, Any]) -> ViewRecord:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        record = None
        if view_id:
            record = self._views.get(view_id)
        elif external_id:
            record = next((v for v in self._views.values() if v.view.get("external_id") == external_id), None)
        else:
            raise SlackError("invalid_arguments", messages=["[ERROR] view_id or external_id is required"])
        if record is None:
            raise SlackError("not_found")
        return record

    # ------------------------------------------------------------------ Web API methods

    def api_api_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"args": {k: v for k, v in args.items() if k != "token"}}

    def api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://{self.domain}.slack.com/", "team": "Amends Sandbox", "user": "amends",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_for_post(str(args.get("channel", "")))
        blocks = self._check_blocks(args)
        text = self._check_text(args, blocks)
        thread_ts = args.get("thread_ts") or None
        if thread_ts and not any(m.ts == thread_ts for m in self._messages[channel.id]):
            raise SlackError("thread_not_found")
        self._rate_limit_post(channel.id)
        metadata = args.get("metadata")
        if metadata is not None and not (isinstance(metadata, dict) and metadata.get("event_type")):
            raise SlackError("invalid_metadata_format")
        message = Message(channel.id, self._next_ts(), self.bot_user_id, text, blocks, thread_ts,
                          metadata, bot_id=self.bot_id)
        self._messages[channel.id].append(message)
        return {"channel": channel.id, "ts": message.ts, "message": message.to_api()}

    def api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_for_post(str(args.get("channel", "")))
        message = self._find_message(channel.id, str(args.get("ts", "")))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.bot_user_id:
            raise SlackError("cant_update_message")
        if "blocks" in args:
            message.blocks = self._check_blocks(args)
        if "text" in args:
            message.text = self._check_text(args, message.blocks)
        if "metadata" in args:
            message.metadata = args["metadata"]
        message.edited_ts = self._next_ts()
        return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message.to_api()}

    def api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_for_post(str(args.get("channel", "")))
        message = self._find_message(channel.id, str(args.get("ts", "")))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.bot_user_id:
            raise SlackError("cant_delete_message")
        self._messages[channel.id].remove(message)
        return {"channel": channel.id, "ts": message.ts}

    def api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_for_post(str(args.get("channel", "")))
        user = str(args.get("user", ""))
        if user not in self.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        blocks = self._check_blocks(args)
        text = self._check_text(args, blocks)
        ephemeral = Ephemeral(channel.id, user, self._next_ts(), text, blocks, args.get("thread_ts"))
        self._ephemerals.append(ephemeral)
        return {"message_ts": ephemeral.ts}

    def api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(args.get("channel", "")))
        ts = str(args.get("message_ts", ""))
        if self._find_message(channel.id, ts) is None:
            raise SlackError("message_not_found")
        return {"channel": channel.id, "permalink": self.permalink(channel.id, ts)}

    def api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(args.get("channel", "")))
        data = channel.to_api()
        data["is_member"] = self.bot_user_id in channel.members
        return {"channel": data}

    def api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = args.get("users")
        if isinstance(users, str):
            users = [u for u in users.split(",") if u]
        if not users or len(users) != 1 or users[0] not in self.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self.im_channel(users[0]).id}}

    def api_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel", "")))
        if channel is None or (channel.is_private and self.bot_user_id not in channel.members):
            raise SlackError("channel_not_found")
        if channel.is_private or channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        channel.members.add(self.bot_user_id)
        return {"channel": channel.to_api()}

    def api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(args.get("channel", "")))
        return {"members": sorted(channel.members), "response_metadata": {"next_cursor": ""}}

    def api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        visible = [c for c in self.channels.values()
                   if not c.is_im and (not c.is_private or self.bot_user_id in c.members)]
        return self._page(args, [c.to_api() for c in visible], "channels")

    def api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(args.get("channel", "")))
        if self.bot_user_id not in channel.members:
            raise SlackError("not_in_channel")
        top = [m for m in self._messages[channel.id] if not m.is_reply]
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or math.inf)
        with_metadata = _truthy(args.get("include_all_metadata"))
        newest_first = [m.to_api(include_metadata=with_metadata) | self._reply_info(m) for m in reversed(top)
                        if oldest < float(m.ts) < latest]
        return self._page(args, newest_first, "messages", has_more=True)

    def api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._readable_channel(str(args.get("channel", "")))
        ts = str(args.get("ts", ""))
        parent = self._find_message(channel.id, ts)
        if parent is None:
            raise SlackError("thread_not_found")
        replies = [parent] + self.thread(channel.id, ts)
        with_metadata = _truthy(args.get("include_all_metadata"))
        return self._page(args, [m.to_api(include_metadata=with_metadata) for m in replies], "messages",
                          has_more=True)

    def _reply_info(self, message: Message) -> dict[str, Any]:
        replies = self.thread(message.channel, message.ts)
        return {"reply_count": len(replies)} if replies else {}

    def _page(self, args: dict[str, Any], items: list[Any], key: str, *,
              has_more: bool = False) -> dict[str, Any]:
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        start = int(args.get("cursor") or 0) if str(args.get("cursor") or "0").isdigit() else None
        if start is None:
            raise SlackError("invalid_cursor")
        page = items[start:start + limit]
        next_cursor = str(start + limit) if start + limit < len(items) else ""
        answer: dict[str, Any] = {key: page, "response_metadata": {"next_cursor": next_cursor}}
        if has_more:
            answer["has_more"] = bool(next_cursor)
        return answer

    def api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api(self.team_id)}

    def api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").strip().lower()
        if not email:
            raise SlackError("invalid_arguments")
        user = next((u for u in self.users.values() if u.email and u.email.lower() == email), None)
        if user is None:
            raise SlackError("users_not_found")
        return {"user": user.to_api(self.team_id)}

    def api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._page(args, [u.to_api(self.team_id) for u in self.users.values()], "members")

    def api_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group = self.usergroups.get(str(args.get("usergroup", "")))
        if group is None:
            raise SlackError("no_such_subteam")
        return {"users": list(group)}

    def api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        self._check_view(view)
        trigger = self._use_trigger(args.get("trigger_id"))
        view_id = self._view_id()
        record = ViewRecord(view_id, trigger.user, view, self._hash(), view_id)
        self._views[view_id] = record
        return self._view_answer(record)

    def api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        self._check_view(view)
        trigger = self._use_trigger(args.get("trigger_id"))
        below = self.open_view(trigger.user)
        if below is None:
            raise SlackError("invalid_arguments", messages=["[ERROR] no open view to push onto"])
        return self._view_answer(self._push(below, view))

    def api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        self._check_view(view)
        record = self._find_view(args)
        if args.get("hash") and args["hash"] != record.hash:
            raise SlackError("hash_conflict")
        record.view = view
        record.hash = self._hash()
        record.errors = {}
        return self._view_answer(record)

    def api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if len(json.dumps(view)) > VIEW_SIZE_LIMIT:
            raise SlackError("view_too_large")
        self._check_view(view)
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError("invalid_arguments", messages=["[ERROR] views.publish takes a home view"])
        if not self.home_tab_enabled:
            raise SlackError("not_enabled")
        user_id = str(args.get("user_id", ""))
        if not user_id:
            raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: user_id"])
        if user_id not in self.users:
            raise SlackError("user_not_found")
        existing = self._homes.get(user_id)
        if existing and args.get("hash") and args["hash"] != existing.hash:
            raise SlackError("hash_conflict")
        view_id = existing.id if existing else self._view_id()
        record = ViewRecord(view_id, user_id, view, self._hash(), view_id)
        self._homes[user_id] = record
        return self._view_answer(record)

    def api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        length = int(args.get("length") or 0)
        if not filename or length <= 0:
            raise SlackError("invalid_arguments")
        file_id = f"F{next(self._ids):010d}"
        self._uploads[file_id] = Upload(file_id, filename, length, alt_txt=args.get("alt_txt") or None)
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        """Like Slack: every file must have been uploaded in full to its upload URL first; it is shared to
        `channel_id` or each of `channels` (comma-separated), as a reply with `thread_ts` (one channel
        only); `initial_comment` wins over `blocks`, which are validated like a message's."""
        files = args.get("files")
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
            raise SlackError("invalid_arguments")
        done = []
        for item in files:
            upload = self._uploads.get(str(item.get("id", "")))
            if upload is None or upload.content is None or upload.completed:
                raise SlackError("file_not_found")
            done.append({"id": upload.file_id, "name": upload.filename, "title": item.get("title") or
                         upload.filename, "size": len(upload.content), "mimetype": _mimetype(upload.filename),
                         "alt_txt": upload.alt_txt})
        targets = [str(args["channel_id"])] if args.get("channel_id") else \
            [c.strip() for c in str(args.get("channels") or "").split(",") if c.strip()]
        thread_ts = args.get("thread_ts") or None
        if thread_ts and len(targets) != 1:
            raise SlackError("invalid_arguments", messages=["[ERROR] thread_ts needs exactly one channel"])
        comment = str(args.get("initial_comment") or "")
        blocks = [] if comment else self._check_blocks(args)
        channels = [self._channel_for_post(target) for target in targets]
        for channel in channels:
            if thread_ts and not any(m.ts == thread_ts for m in self._messages[channel.id]):
                raise SlackError("thread_not_found")
        for channel in channels:
            self._rate_limit_post(channel.id)
            message = Message(channel.id, self._next_ts(), self.bot_user_id, comment, blocks, thread_ts,
                              files=done, bot_id=self.bot_id, subtype="file_share")
            self._messages[channel.id].append(message)
        for item in files:
            self._uploads[str(item["id"])].completed = True
        return {"files": done}

    # ------------------------------------------------------------------ response_url and uploads

    def handle_response_url(self, token: str, payload: dict[str, Any]) -> None:
        with self._changed:
            try:
                self._respond(token, payload)
            except SlackError as exc:
                self._record("response_url", payload, exc.error, forced=exc.forced)
                raise

    def _respond(self, token: str, payload: dict[str, Any]) -> None:
        hook = self._response_urls.get(token)
        if hook is None:
            raise SlackError("invalid_token", status=404)
        # Slack accepts up to five posts within 30 minutes on one response_url.
        if time.monotonic() - hook.issued_at > blockkit.RESPONSE_URL_LIFE:
            raise SlackError("expired_url", status=404)
        if hook.uses >= blockkit.RESPONSE_URL_USES:
            raise SlackError("used_url", status=404)
        hook.uses += 1
        blocks = payload.get("blocks") or []
        problems = _cached_problems("message", json.dumps(blocks, sort_keys=True)) if blocks else []
        if problems:
            raise SlackError("invalid_blocks", status=400, messages=problems)
        text = str(payload.get("text") or "")
        thread_ts = payload.get("thread_ts") or hook.thread_ts
        if payload.get("delete_original") and hook.message_ts:
            original = self._find_message(hook.channel, hook.message_ts)
            if original is not None:
                self._messages[hook.channel].remove(original)
            else:
                self._ephemerals = [e for e in self._ephemerals
                                    if not (e.user == hook.user and e.ts == hook.message_ts)]
        elif payload.get("replace_original") and hook.message_ts:
            original = self._find_message(hook.channel, hook.message_ts)
            if original is not None:
                original.text, original.blocks, original.edited_ts = text, blocks, self._next_ts()
            else:
                self._replace_ephemeral(hook, text, blocks)
        elif payload.get("response_type") == "in_channel":
            self._messages.setdefault(hook.channel, []).append(
                Message(hook.channel, self._next_ts(), self.bot_user_id, text, blocks,
                        thread_ts, bot_id=self.bot_id))
        else:
            self._ephemerals.append(Ephemeral(hook.channel, hook.user, self._next_ts(), text, blocks,
                                              thread_ts, source="response_url"))
        self._record("response_url", payload, None)

    def _replace_ephemeral(self, hook: ResponseUrl, text: str, blocks: list[dict[str, Any]]) -> None:
        for ephemeral in reversed(self._ephemerals):
            if ephemeral.user == hook.user and ephemeral.ts == hook.message_ts:
                ephemeral.text, ephemeral.blocks = text, blocks
                return
        self._ephemerals.append(Ephemeral(hook.channel, hook.user, self._next_ts(), text, blocks,
                                          hook.thread_ts, source="response_url"))

    def handle_upload(self, file_id: str, content: bytes) -> None:
        with self._changed:
            upload = self._uploads.get(file_id)
            if upload is None or upload.completed:
                raise SlackError("file_not_found", status=404)
            if len(content) != upload.length:  # the length promised to files.getUploadURLExternal
                raise SlackError("invalid_upload", status=400,
                                 messages=[f"[ERROR] got {len(content)} bytes, expected {upload.length}"])
            upload.content = content
            self._touch()

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the state lock while reading several things consistently."""
        with self._changed:
            yield


def _mimetype(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _truthy(value: object) -> bool:
    return str(value).lower() in {"1", "true"}


@functools.lru_cache(maxsize=512)
def _cached_problems(kind: str, canonical_json: str) -> list[str]:
    """Validation is pure and slack_sdk's models are slow (~5 ms a modal); bots send the same shapes often."""
    value = json.loads(canonical_json)
    return blockkit.message_problems(value) if kind == "message" else blockkit.view_problems(value)


def parse_args(body: bytes, content_type: str) -> dict[str, Any]:
    """Web API arguments from a form or JSON body; JSON-valued form fields are decoded like Slack does."""
    if "application/json" in content_type:
        try:
            args = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise SlackError("invalid_json") from None
        if not isinstance(args, dict):
            raise SlackError("invalid_json")
        return args
    args = {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
    for key in JSON_ARGS & args.keys():
        value = args[key]
        if key == "users" and not value.startswith("["):
            continue
        try:
            args[key] = json.loads(value)
        except json.JSONDecodeError:
            raise SlackError("invalid_blocks_format" if key == "blocks" else "invalid_arguments") from None
    return args


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 refuses connections under a burst; Slack doesn't.
    request_queue_size = 256
    daemon_threads = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Hang up on every client still connected. Stopping the server alone leaves kept-alive connections
        served by their threads: a client would go on talking to a fake that is gone (in a later test, to the
        one that reused its port)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    fake: FakeSlack
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, a kept-alive connection would wait for
    # the client's delayed ACK (40 ms) between them on every call. Slack answers at once.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("fake slack: " + format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: dict[str, Any] | None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode() if payload is not None else b"ok"
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8" if payload is not None else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.path.rstrip("/") == "/health":
            self._send(HTTPStatus.OK, {"ok": True})
        else:
            self._send(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not_found"})

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        body = self._body()
        path = urllib.parse.urlparse(self.path).path
        try:
            if path.startswith("/api/"):
                self._api(path.removeprefix("/api/"), body)
            elif path.startswith("/response/"):
                payload = json.loads(body or b"{}")
                self.fake.handle_response_url(path.removeprefix("/response/"), payload)
                self._send(HTTPStatus.OK, None)
            elif path.startswith("/upload/"):
                self.fake.handle_upload(path.removeprefix("/upload/"), body)
                self._send(HTTPStatus.OK, None)
            else:
                self._send(HTTPStatus.NOT_FOUND, {"ok": False, "error": "not_found"})
        except SlackError as exc:
            self._error(exc)
        except json.JSONDecodeError:
            self._send(HTTPStatus.BAD_REQUEST, {"ok": False, "error": "invalid_json"})

    def _api(self, method: str, body: bytes) -> None:
        args = parse_args(body, self.headers.get("Content-Type", ""))
        token = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth.removeprefix("Bearer ").strip()
        token = token or args.pop("token", None)
        self._send(HTTPStatus.OK, self.fake.handle_api(method, args, token))

    def _error(self, exc: SlackError) -> None:
        payload: dict[str, Any] = {"ok": False, "error": exc.error}
        if exc.messages:
            payload["response_metadata"] = {"messages": exc.messages}
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
        self._send(exc.status, payload, headers)
