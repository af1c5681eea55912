"""Block Kit validation as strict as Slack's.

slack_sdk's models check most documented limits in `to_dict()`; measured here, they miss: the number of
blocks in a message (50) or view (100), option counts of checkboxes and radio buttons (10), section field
length (2000), option text (75) and value (150) length, plain_text_input limits (3000), plain_text-only
texts (headers, buttons, options), a modal with inputs but no submit button, and unknown keys (which
`Block.parse` silently drops). Those checks are added here, so a block that passes would pass on Slack.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
CHOICE_OPTIONS = 10  # checkboxes and radio_buttons
FIELD_TEXT = 2000
OPTION_TEXT = 75
OPTION_VALUE = 150
INPUT_TEXT = 3000
EXTERNAL_ID = 255
MESSAGE_TEXT = 40_000
# Not in Slack's documentation, but Slack answers msg_blocks_too_long when the text in a message's blocks
# passes about 13,200 characters (measured by others: slackapi/bolt-js#2509); the fake refuses a little
# earlier so a message that passes here passes there.
MESSAGE_BLOCKS_TEXT = 13_000

_PLAIN_ONLY_ELEMENTS = {"button": ("text",), "header": ("text",)}
_CHOICE_ELEMENTS = {"checkboxes", "radio_buttons"}


def message_problems(blocks: Any) -> list[str]:
    """Problems Slack would report for a message's `blocks` (empty list: valid)."""
    if not isinstance(blocks, list):
        return ["blocks must be an array"]
    problems = []
    if len(blocks) > MESSAGE_BLOCKS:
        problems.append(f"must be no more than {MESSAGE_BLOCKS} items [json-pointer:/blocks]")
    problems += _blocks_problems(blocks, "/blocks")
    return problems


def view_problems(view: Any) -> list[str]:
    """Problems Slack would report for a modal or Home tab view."""
    if not isinstance(view, dict):
        return ["view must be an object"]
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        return [f"unsupported view type {kind!r} [json-pointer:/view/type]"]
    problems = []
    blocks = view.get("blocks", [])
    if not isinstance(blocks, list):
        return ["blocks must be an array [json-pointer:/view/blocks]"]
    if len(blocks) > VIEW_BLOCKS:
        problems.append(f"must be no more than {VIEW_BLOCKS} items [json-pointer:/view/blocks]")
    try:
        parsed = View(**view)
        problems += _missing_keys(view, parsed.to_dict(), "/view", skip={"blocks"})
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
        if "blocks" not in str(exc) or blocks:
            problems.append(f"{exc} [json-pointer:/view]")
    problems += _blocks_problems(blocks, "/view/blocks")
    if kind == "modal":
        if "title" not in view:
            problems.append("missing required field: title [json-pointer:/view/title]")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            problems.append("a modal with input blocks needs a submit button [json-pointer:/view/submit]")
    if len(str(view.get("external_id", ""))) > EXTERNAL_ID:
        problems.append(f"external_id must be at most {EXTERNAL_ID} characters [json-pointer:/view/external_id]")
    return problems


def _blocks_problems(blocks: list[Any], pointer: str) -> list[str]:
    problems: list[str] = []
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        where = f"{pointer}/{index}"
        if not isinstance(block, dict):
            problems.append(f"block must be an object [json-pointer:{where}]")
            continue
        try:
            parsed = Block.parse(block)
        except (TypeError, KeyError, AttributeError) as exc:
            problems.append(f"{exc} [json-pointer:{where}]")
            continue
        if parsed is None or type(parsed) is Block:
            problems.append(f"unsupported block type {block.get('type')!r} [json-pointer:{where}/type]")
            continue
        try:
            rendered = parsed.to_dict()
        except SlackObjectFormationError as exc:
            problems.append(f"{exc} [json-pointer:{where}]")
            continue
        problems += _missing_keys(block, rendered, where)
        problems += _extra_limits(block, where)
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"duplicate block_id {block_id!r} [json-pointer:{where}/block_id]")
            block_ids.add(block_id)
    return problems


def _missing_keys(sent: Any, kept: Any, where: str, skip: set[str] = frozenset()) -> list[str]:
    """Keys the bot sent that the models dropped: unknown fields, which Slack rejects."""
    problems: list[str] = []
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key, value in sent.items():
            if key in skip:
                continue
            if key not in kept:
                problems.append(f"unknown field {key!r} [json-pointer:{where}/{key}]")
            else:
                problems += _missing_keys(value, kept[key], f"{where}/{key}")
    elif isinstance(sent, list) and isinstance(kept, list):
        for index, (a, b) in enumerate(zip(sent, kept, strict=False)):
            problems += _missing_keys(a, b, f"{where}/{index}")
    return problems


def _walk(node: Any, where: str) -> Iterator[tuple[dict[str, Any], str]]:
    if isinstance(node, dict):
        yield node, where
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{where}/{index}")


def _extra_limits(block: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    kind = block.get("type")
    if kind == "header" and block.get("text", {}).get("type") != "plain_text":
        problems.append(f"header text must be plain_text [json-pointer:{where}/text/type]")
    if kind == "section":
        for i, field in enumerate(block.get("fields") or []):
            if len(field.get("text", "")) > FIELD_TEXT:
                problems.append(f"field text must be at most {FIELD_TEXT} characters "
                                f"[json-pointer:{where}/fields/{i}]")
    action_ids: set[str] = set()
    for node, path in _walk(block, where):
        node_type = node.get("type")
        if node_type in _CHOICE_ELEMENTS and len(node.get("options", [])) > CHOICE_OPTIONS:
            problems.append(f"{node_type} may have at most {CHOICE_OPTIONS} options [json-pointer:{path}/options]")
        if node_type == "button" and node.get("text", {}).get("type") != "plain_text":
            problems.append(f"button text must be plain_text [json-pointer:{path}/text/type]")
        if node_type == "plain_text_input":
            max_length = node.get("max_length", INPUT_TEXT)
            if not 1 <= int(max_length) <= INPUT_TEXT:
                problems.append(f"max_length must be between 1 and {INPUT_TEXT} [json-pointer:{path}/max_length]")
            if len(node.get("initial_value", "")) > int(max_length):
                problems.append(f"initial_value is longer than max_length [json-pointer:{path}/initial_value]")
        if "action_id" in node and node_type is not None:
            if node["action_id"] in action_ids:
                problems.append(f"duplicate action_id {node['action_id']!r} [json-pointer:{path}/action_id]")
            action_ids.add(node["action_id"])
        if "value" in node and "text" in node and node_type is None:  # an option object
            text = node["text"]
            if isinstance(text, dict):
                if len(text.get("text", "")) > OPTION_TEXT:
                    problems.append(f"option text must be at most {OPTION_TEXT} characters [json-pointer:{path}/text]")
            if len(str(node["value"])) > OPTION_VALUE:
                problems.append(f"option value must be at most {OPTION_VALUE} characters [json-pointer:{path}/value]")
    return problems


def blocks_text_length(blocks: Any) -> int:
    """Characters of text in `blocks` (every text object's `text`), as counted against MESSAGE_BLOCKS_TEXT."""
    return sum(len(node["text"]) for node, _ in _walk(blocks, "") if isinstance(node.get("text"), str))
