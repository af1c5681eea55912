"""Slack messages as the index needs them, and the Slack look-ups search filters need.

Slack gives message text in its own markup: `&amp; &lt; &gt;` for what people typed, and `<...>` for
mentions and links. The index keeps plain words (`plain_text`); a re-post keeps Slack's markup but with
every broadcast and mention made harmless (`neutralise`).
"""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import InvalidInput
from bot.knowledge.index import SourceMessage
from bot.knowledge.query import Ref
from bot.knowledge.text import normalize
from bot.text import escape_mrkdwn

log = logging.getLogger(__name__)

# Message subtypes that are not something a person wrote for the team to read.
SKIPPED_SUBTYPES = {
    "bot_message", "channel_join", "channel_leave", "group_join", "group_leave", "channel_topic",
    "channel_purpose", "channel_name", "channel_archive", "channel_unarchive", "group_topic", "group_purpose",
    "group_name", "group_archive", "group_unarchive", "pinned_item", "unpinned_item", "ekm_access_denied",
    "channel_posting_permissions", "reminder_add", "bot_add", "bot_remove", "tombstone", "joiner_notification",
}
_TOKEN = re.compile(r"<([^<>]*)>")
NAMES_TTL = 600.0


def is_person_message(message: dict[str, Any]) -> bool:
    return not (message.get("bot_id") or message.get("subtype") in SKIPPED_SUBTYPES or not message.get("user"))


def _render(markup: str, on_token: Callable[[str, str | None], str]) -> str:
    def replace(found: re.Match[str]) -> str:
        inner = found.group(1)
        target, _, label = inner.partition("|")
        return on_token(target, label or None)
    return _TOKEN.sub(replace, markup)


def plain_text(markup: str, name_of: Callable[[str], str | None]) -> str:
    """Slack markup -> what a reader sees: mentions as @name, links as their label, entities decoded."""
    def token(target: str, label: str | None) -> str:
        if target.startswith("@"):
            return "@" + (label or name_of(target[1:]) or "someone").lstrip("@")
        if target.startswith("#"):
            return "#" + (label or "channel")
        if target.startswith("!subteam^"):
            return "@" + (label or "group").lstrip("@")
        if target.startswith("!date^"):
            return label or ""
        if target.startswith("!"):
            return "@" + (label or target[1:]).lstrip("@")
        return label or target.removeprefix("mailto:")
    return html.unescape(_render(markup, token))


def neutralise(markup: str, name_of: Callable[[str], str | None]) -> str:
    """Slack markup safe to post again: @channel, @here, @everyone, user groups and people shown, never pinged."""
    def token(target: str, label: str | None) -> str:
        if target.startswith(("@", "!")) and not target.startswith("!date^"):
            if target.startswith("@"):
                shown = label or name_of(target[1:]) or "someone"
            elif target.startswith("!subteam^"):
                shown = label or "group"
            else:
                shown = label or target[1:]
            # Escaped: a name is person-written text, and "&lt;" can never become a mention again.
            return "@" + escape_mrkdwn(shown.lstrip("@"))
        return f"<{target}|{label}>" if label else f"<{target}>"
    return _render(markup, token)


class Directory:
    """Names and links from Slack, cached: people's names, the workspace URL, name -> id for filters."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._names: dict[str, str | None] = {}
        self._team_url: str | None = None
        # (loaded at, table); None until first loaded: the monotonic clock may read less than the TTL on a
        # machine that booted minutes ago, so 0.0 would pass for "loaded just now".
        self._people: tuple[float | None, dict[str, str]] = (None, {})
        self._channels: tuple[float | None, dict[str, str]] = (None, {})

    def name_of(self, user_id: str) -> str | None:
        with self._lock:
            if user_id in self._names:
                return self._names[user_id]
        try:
            user = self.client.users_info(user=user_id)["user"]
            profile = user.get("profile") or {}
            name = profile.get("display_name") or profile.get("real_name") or user.get("real_name") or user.get("name")
        except SlackApiError as exc:
            log.info("no name for %s: %s", user_id, exc.response.get("error"))
            name = None
        with self._lock:
            self._names[user_id] = name
        return name

    def permalink(self, channel_id: str, ts: str, thread_ts: str | None = None) -> str | None:
        """Slack's permalink form (https://team.slack.com/archives/C.../p...), without a call per message."""
        if self._team_url is None:
            try:
                self._team_url = str(self.client.auth_test()["url"])
            except SlackApiError as exc:
                log.warning("auth.test failed, entries get no links: %s", exc.response.get("error"))
                return None
        link = f"{self._team_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link

    def source(self, channel_id: str, message: dict[str, Any]) -> SourceMessage:
        ts = str(message["ts"])
        thread_ts = message.get("thread_ts")
        edited = (message.get("edited") or {}).get("ts")
        return SourceMessage(channel_id=channel_id, ts=ts, author_id=message.get("user"),
                             text=plain_text(message.get("text") or "", self.name_of), thread_ts=thread_ts,
                             edited_ts=edited, permalink=self.permalink(channel_id, ts, thread_ts))

    # ------------------------------------------------------------------ filters: names -> ids

    def user_ids(self, refs: tuple[Ref, ...]) -> tuple[str, ...]:
        return tuple(self._resolve(ref, self._people_by_name, "anyone called @{}") for ref in refs)

    def channel_ids(self, refs: tuple[Ref, ...]) -> tuple[str, ...]:
        return tuple(self._resolve(ref, self._channels_by_name, "a channel called #{} that I can see") for ref in refs)

    def _resolve(self, ref: Ref, table: Callable[[], dict[str, str]], missing: str) -> str:
        if ref.id:
            return ref.id
        found = table().get(normalize(ref.name or ""))
        if found is None:
            raise InvalidInput(f"I can't find {missing.format(ref.name)}.")
        return found

    def _people_by_name(self) -> dict[str, str]:
        loaded_at, table = self._people
        if loaded_at is not None and time.monotonic() - loaded_at < NAMES_TTL:
            return table
        table = {}
        for page in self.client.users_list(limit=200):
            for user in page["members"]:
                profile = user.get("profile") or {}
                for name in (user.get("name"), profile.get("display_name"), profile.get("real_name")):
                    if name:
                        table.setdefault(normalize(name), user["id"])
        self._people = (time.monotonic(), table)
        return table

    def _channels_by_name(self) -> dict[str, str]:
        loaded_at, table = self._channels
        if loaded_at is not None and time.monotonic() - loaded_at < NAMES_TTL:
            return table
        table = {}
        for page in self.client.conversations_list(limit=200, types="public_channel,private_channel",
                                                   exclude_archived=True):
            for channel in page["channels"]:
                table.setdefault(normalize(channel["name"]), channel["id"])
        self._channels = (time.monotonic(), table)
        return table
