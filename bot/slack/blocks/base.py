"""Shared Block Kit helpers and the limits slack_sdk does not check.

slack_sdk's models validate most limits in `to_dict()`; `message()`, `modal()` and `home()` add the
ones they miss (50 blocks a message, 100 a view, 10 options in checkboxes and radio buttons), so a
rendering mistake fails here, in a test, not in front of a user.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.text import escape_fit, truncate

MESSAGE_BLOCK_LIMIT = 50
VIEW_BLOCK_LIMIT = 100
CHOICE_OPTION_LIMIT = 10
SECTION_TEXT_LIMIT = 3000
FIELD_TEXT_LIMIT = 2000
HEADER_TEXT_LIMIT = 150
MESSAGE_TEXT_LIMIT = 3000  # our own cap for notification fallback text, well under Slack's 40k


class BlockLimitError(ValueError):
    """A rendering that Slack would reject; a bug in the caller, never a user's fault."""


def _count(blocks: Sequence[Block], limit: int, where: str) -> None:
    if len(blocks) > limit:
        raise BlockLimitError(f"{where} has {len(blocks)} blocks; Slack allows {limit}")


def _dicts(blocks: Sequence[Block], limit: int, where: str) -> list[dict[str, Any]]:
    _count(blocks, limit, where)
    rendered = [b.to_dict() for b in blocks]
    for block in rendered:
        _check_choice_options(block)
    return rendered


def _check_choice_options(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") in {"checkboxes", "radio_buttons"} and len(node.get("options", [])) > CHOICE_OPTION_LIMIT:
            raise BlockLimitError(f"{node['type']} has {len(node['options'])} options; Slack allows {CHOICE_OPTION_LIMIT}")
        for value in node.values():
            _check_choice_options(value)
    elif isinstance(node, list):
        for value in node:
            _check_choice_options(value)


def message(blocks: Sequence[Block]) -> list[dict[str, Any]]:
    return _dicts(blocks, MESSAGE_BLOCK_LIMIT, "message")


def modal(*, title: str, blocks: Sequence[Block], callback_id: str | None = None, submit: str | None = None,
          close: str = "Cancel", private_metadata: str | None = None, notify_on_close: bool = False,
          external_id: str | None = None) -> dict[str, Any]:
    _count(blocks, VIEW_BLOCK_LIMIT, "modal")
    view = View(
        type="modal",
        title=PlainTextObject(text=truncate(title, 24)),
        submit=PlainTextObject(text=submit) if submit else None,
        close=PlainTextObject(text=close),
        callback_id=callback_id,
        private_metadata=private_metadata,
        notify_on_close=notify_on_close or None,
        external_id=external_id,
        blocks=list(blocks),
    ).to_dict()
    _check_choice_options(view)
    return view


def home(blocks: Sequence[Block], *, private_metadata: str | None = None) -> dict[str, Any]:
    _count(blocks, VIEW_BLOCK_LIMIT, "home tab")
    view = View(type="home", blocks=list(blocks), private_metadata=private_metadata).to_dict()
    _check_choice_options(view)
    return view


# ---------------------------------------------------------------------- small builders


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=text)


def plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text, emoji=True)


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(truncate(text, HEADER_TEXT_LIMIT)))


def section(text: str, *, accessory: Any = None, block_id: str | None = None) -> SectionBlock:
    """A mrkdwn section; `text` must already be escaped where it holds person-written text."""
    return SectionBlock(text=mrkdwn(truncate(text, SECTION_TEXT_LIMIT)), accessory=accessory, block_id=block_id)


def fields_section(pairs: Sequence[tuple[str, str]], *, block_id: str | None = None) -> SectionBlock:
    """Up to ten label/value fields; values must already be escaped."""
    fields = [mrkdwn(truncate(f"*{label}*\n{value}", FIELD_TEXT_LIMIT)) for label, value in pairs[:10]]
    return SectionBlock(fields=fields, block_id=block_id)


def context(*texts: str) -> ContextBlock:
    return ContextBlock(elements=[mrkdwn(truncate(t, SECTION_TEXT_LIMIT)) for t in texts[:10]])


def divider() -> DividerBlock:
    return DividerBlock()


def button(text: str, action_id: str, *, value: str | None = None, style: str | None = None,
           url: str | None = None, confirm: ConfirmObject | None = None) -> ButtonElement:
    return ButtonElement(text=plain(truncate(text, 75)), action_id=action_id, value=value, style=style, url=url,
                         confirm=confirm)


def option(label: str, value: str, description: str | None = None) -> Option:
    return Option(text=plain(truncate(label, 75)), value=value,
                  description=plain(truncate(description, 75)) if description else None)


def person_text(value: object, limit: int = FIELD_TEXT_LIMIT - 40) -> str:
    """Text someone typed, escaped for mrkdwn and fitted to a field."""
    return escape_fit(value, limit)


def slack_date(instant: datetime, zone: ZoneInfo, *, with_time: bool = True) -> str:
    """A date Slack shows in each reader's own timezone; the fallback uses the team's zone."""
    local = instant.astimezone(zone)
    fallback = local.strftime("%a %d %b %Y %H:%M %Z" if with_time else "%a %d %b %Y")
    token = "{date_short_pretty} at {time}" if with_time else "{date_short_pretty}"
    return f"<!date^{int(instant.timestamp())}^{token}|{fallback}>"


def user_mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>"


def link(url: str, label: str) -> str:
    """A mrkdwn link; `label` must already be escaped."""
    return f"<{url}|{label}>"
