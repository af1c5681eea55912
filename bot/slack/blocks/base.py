"""Shared Block Kit helpers and the limits slack_sdk does not check.

slack_sdk's models validate most limits in `to_dict()`; `message()`, `modal()` and `home()` add the
ones they miss (50 blocks a message, 100 a view, 10 options in checkboxes and radio buttons), so a
rendering mistake fails here, in a test, not in front of a user.
"""

from __future__ import annotations

import functools
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

from bot.slack.blocks.rich import rich_text, tree_copy
from bot.slack.metadata import seal_for_view
from bot.text import as_mrkdwn, escape_mrkdwn, has_literal, literal, truncate, unmarked

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


def _dicts(blocks: Sequence[Block | dict[str, Any]], limit: int, where: str) -> list[dict[str, Any]]:
    _count(blocks, limit, where)
    # A dict is a block validated already (fixed_section(), fixed_context()): a copy, so no caller's change to
    # its message reaches the cache.
    rendered = [tree_copy(b) if isinstance(b, dict) else b.to_dict() for b in blocks]
    _check_choice_options(rendered)
    return rendered


_CHOICES = {"checkboxes", "radio_buttons"}


def _check_choice_options(blocks: Sequence[dict[str, Any]]) -> None:
    """Checkboxes and radio buttons can sit only as a section's accessory, an actions block's element or an
    input's element: looked for there, not in every node of every block (a reminder is rendered thousands of
    times a Monday)."""
    for block in blocks:
        places = [block.get("accessory"), block.get("element")]
        if block.get("type") == "actions":
            places.extend(block.get("elements") or ())
        for element in places:
            if isinstance(element, dict) and element.get("type") in _CHOICES and \
                    len(element.get("options", [])) > CHOICE_OPTION_LIMIT:
                raise BlockLimitError(f"{element['type']} has {len(element['options'])} options; "
                                      f"Slack allows {CHOICE_OPTION_LIMIT}")


def message(blocks: Sequence[Block | dict[str, Any]]) -> list[dict[str, Any]]:
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
        private_metadata=seal_for_view(private_metadata, callback_id),  # see bot/slack/metadata.py
        notify_on_close=notify_on_close or None,
        external_id=external_id,
        blocks=list(blocks),
    ).to_dict()
    _check_choice_options(view.get("blocks") or [])
    return view


def refused_submission(view: dict[str, Any], message: str) -> dict[str, Any]:
    """The answer to a submission Amends won't apply: `message` (plain text) under the form's first input, so
    the form stays open as typed; a form without inputs turns into the message."""
    first = next((b["block_id"] for b in view.get("blocks") or []
                  if isinstance(b, dict) and b.get("type") == "input" and b.get("block_id")), None)
    if first is not None:
        return {"response_action": "errors", "errors": {first: truncate(message, FIELD_TEXT_LIMIT)}}
    return {"response_action": "update",
            "view": modal(title="Nothing changed", blocks=[section(escape_mrkdwn(message))], close="OK")}


def home(blocks: Sequence[Block], *, private_metadata: str | None = None) -> dict[str, Any]:
    _count(blocks, VIEW_BLOCK_LIMIT, "home tab")
    view = View(type="home", blocks=list(blocks), private_metadata=private_metadata).to_dict()
    _check_choice_options(view.get("blocks") or [])
    return view


# ---------------------------------------------------------------------- small builders


def mrkdwn(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=as_mrkdwn(text))  # person text here can't show as typed, but stays harmless


def plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=unmarked(text), emoji=True)  # plain_text shows person text as typed


def header(text: str) -> HeaderBlock:
    return HeaderBlock(text=plain(truncate(text, HEADER_TEXT_LIMIT)))


def section(text: str, *, accessory: Any = None, block_id: str | None = None) -> Block:
    """A mrkdwn section. Person text in it comes from `person_text()`; a section holding some becomes a
    rich_text block, which shows it exactly as typed (see bot/text.py). A section with an accessory can't:
    put the person text in `fields` of plain_text (`plain_fields`) and keep `text` Amends' own."""
    if has_literal(text):
        if accessory is None:
            return rich_text(text, block_id=block_id)
        text = as_mrkdwn(text)  # a caller's mistake; still harmless (no mention, no link)
    return SectionBlock(text=mrkdwn(truncate(text, SECTION_TEXT_LIMIT)), accessory=accessory, block_id=block_id)


@functools.lru_cache(maxsize=256)
def fixed_section(text: str) -> dict[str, Any]:
    """section(text) as a validated dict, made once per text: for Amends' own wording that many messages share
    (a reminder's explanation), which slack_sdk's models would check again in every to_dict()."""
    return section(text).to_dict()


@functools.lru_cache(maxsize=256)
def fixed_context(*texts: str) -> dict[str, Any]:
    """context(*texts) as a validated dict, made once per wording (see fixed_section)."""
    return context(*texts).to_dict()


def plain_fields(text: str, values: Sequence[str], *, accessory: Any = None, block_id: str | None = None
                 ) -> SectionBlock:
    """A section whose `text` is Amends' mrkdwn and whose fields show person text exactly as typed."""
    fields = [PlainTextObject(text=truncate(unmarked(v), FIELD_TEXT_LIMIT), emoji=False) for v in values[:10] if v]
    return SectionBlock(text=mrkdwn(truncate(text, SECTION_TEXT_LIMIT)), fields=fields or None,
                        accessory=accessory, block_id=block_id)


def fields_section(pairs: Sequence[tuple[str, str]], *, block_id: str | None = None) -> Block:
    """Up to ten label/value fields; person text in the values comes from `person_text()`, and then the
    pairs are shown as lines of a rich_text block (mrkdwn fields can't show it as typed)."""
    if any(has_literal(value) for _, value in pairs):
        return rich_text("\n".join(f"*{label}:* {value}" for label, value in pairs), block_id=block_id)
    fields = [mrkdwn(truncate(f"*{label}*\n{value}", FIELD_TEXT_LIMIT)) for label, value in pairs[:10]]
    return SectionBlock(fields=fields, block_id=block_id)


def context(*texts: str) -> Block:
    """Small print. Holding person text (from `person_text()`), it becomes a rich_text block."""
    if any(has_literal(t) for t in texts):
        return rich_text(" · ".join(texts))
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
    """Text someone typed, fitted and marked so that the builders here show it exactly as typed."""
    return literal(value, limit)


def shown_as_typed(text: str, blocks: Any) -> dict[str, Any]:
    """`text` and `blocks` of a message whose text may hold person text: the text (its notification) as
    harmless mrkdwn, and a message of text alone given a block that shows it as typed."""
    if not has_literal(text):
        return {"text": text, "blocks": blocks} if blocks else {"text": text}
    return {"text": as_mrkdwn(text), "blocks": blocks or message([section(text)])}


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
