"""Telling one person something only they should see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient

from bot.slack.blocks.base import shown_as_typed

Respond = Callable[..., Any]


def user_of(body: dict[str, Any]) -> str | None:
    """The person behind a request: slash command, interaction or event."""
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    if isinstance(user, str):
        return user
    if body.get("user_id"):
        return body["user_id"]
    event = body.get("event") or {}
    return event.get("user") if isinstance(event.get("user"), str) else None


def tell(client: WebClient, user_id: str, text: str, *, blocks: list[dict[str, Any]] | None = None,
         respond: Respond | None = None) -> None:
    """Ephemeral where the person is (when Slack gave us a response_url), otherwise a DM from the app."""
    if respond is not None:
        respond(**shown_as_typed(text, blocks), response_type="ephemeral", replace_original=False)
        return
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def dm(client: WebClient, user_id: str, text: str, *, blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A message in the app's Messages tab with `user_id`; returns Slack's answer (channel, ts)."""
    return client.chat_postMessage(channel=user_id, text=text, blocks=blocks).data  # type: ignore[return-value]
