"""Slack's rules for what the bot sends, as one table, and the checks the fake Slack runs with them.

`RULES` is written from Slack's reference pages (Block Kit blocks, block elements and composition objects;
modal and Home view objects; views.open/update/push/publish; chat.postMessage/chat.update; responding to
interactions with a response_url). Each row says what it limits, where it applies and the error Slack
answers. Rules about a payload's shape carry a check; the others (trigger ids, response_urls, sizes) are
enforced by `FakeSlack`, which reads their limits from here.

Slack answers a refused message (chat.postMessage, chat.update, chat.postEphemeral, a response_url) with
`invalid_blocks`, and a refused view (views.open/update/push/publish) with `invalid_arguments`; both carry
`response_metadata.messages` like `[ERROR] must be less than 76 characters [json-pointer:/blocks/0/...]`.
Beyond the table, every block must parse as slack_sdk's models of a known block type, with no field those
models don't know (the `shape` rule): the models hold the rest of Slack's documented structure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_ERROR, VIEW_ERROR = "invalid_blocks", "invalid_arguments"
SURFACE_ERROR = f"{MESSAGE_ERROR} (messages) / {VIEW_ERROR} (views)"

Node = dict[str, Any]
# A check gets a node of the kind its rule names and that node's JSON pointer; it yields (pointer, problem).
Check = Callable[[Node, str], Iterator[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    name: str
    limit: float | None  # characters, items or seconds; None for rules without a number
    where: str  # the part of a payload, or the method, the rule applies to
    error: str  # what Slack answers when the rule is broken
    kind: str = ""  # the nodes `check` runs on (see _kinds); empty: enforced by FakeSlack itself
    check: Check | None = None


# ---------------------------------------------------------------------- check builders


def _get(node: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _ptr(pointer: str, path: str) -> str:
    return f"{pointer}/{path.replace('.', '/')}"


def longest(path: str, limit: int) -> Check:
    """The string at `path` (or the text of the text object there) has at most `limit` characters."""
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        value = _get(node, path)
        if isinstance(value, dict):
            value, path_ = value.get("text"), f"{path}.text"
        else:
            path_ = path
        if isinstance(value, str) and len(value) > limit:
            yield _ptr(pointer, path_), f"must be less than {limit + 1} characters"
    return check


def most(path: str, limit: int, *, least: int = 0) -> Check:
    """The array at `path` has at most `limit` (and at least `least`) items."""
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        value = _get(node, path)
        if isinstance(value, list):
            if len(value) > limit:
                yield _ptr(pointer, path), f"no more than {limit} items allowed"
            elif len(value) < least:
                yield _ptr(pointer, path), f"at least {least} items required"
    return check


def plain(*paths: str) -> Check:
    """The text objects at `paths` (where present) are plain_text, never mrkdwn."""
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        for path in paths:
            value = _get(node, path)
            if isinstance(value, dict) and value.get("type") != "plain_text":
                yield _ptr(pointer, f"{path}.type"), "must be plain_text"
    return check


def each(path: str, inner: Check) -> Check:
    """`inner` on every item of the array at `path`."""
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        for index, item in enumerate(_get(node, path) or []):
            if isinstance(item, dict):
                yield from inner(item, _ptr(pointer, f"{path}.{index}"))
    return check


def _only(types: set[str], inner: Check) -> Check:
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        if node.get("type") in types:
            yield from inner(node, pointer)
    return check


def _unique_action_ids(block: Node, pointer: str) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for node, where, kind in _nodes(block, pointer, ""):
        if kind.startswith("element:") and "action_id" in node:
            if node["action_id"] in seen:
                yield f"{where}/action_id", f"duplicate action_id {str(node['action_id'])[:40]!r} in one block"
            seen.add(node["action_id"])


def _unique_block_ids(blocks: list[Any], pointer: str) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        block_id = block.get("block_id") if isinstance(block, dict) else None
        if block_id is not None:
            if block_id in seen:
                yield f"{pointer}/{index}/block_id", f"duplicate block_id {str(block_id)[:40]!r}"
            seen.add(block_id)


def _text_or_fields(block: Node, pointer: str) -> Iterator[tuple[str, str]]:
    if not block.get("text") and not block.get("fields"):
        yield pointer, "must provide text or fields"


def _not_empty(text: Node, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(text.get("text"), str) and not text["text"]:
        yield f"{pointer}/text", "must be more than 0 characters"


def _submit_with_inputs(view: Node, pointer: str) -> Iterator[tuple[str, str]]:
    blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
    if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) and "submit" not in view:
        yield f"{pointer}/submit", "a modal with input blocks must have a submit button"


def _required(*paths: str) -> Check:
    def check(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
        for path in paths:
            if _get(node, path) is None:
                yield _ptr(pointer, path), "missing required field"
    return check


def _style(node: Node, pointer: str) -> Iterator[tuple[str, str]]:
    if "style" in node and node["style"] not in {"primary", "danger"}:
        yield f"{pointer}/style", "must be primary or danger"


def _initial_among_options(element: Node, pointer: str) -> Iterator[tuple[str, str]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or [] if isinstance(group, dict) else []
    values = {o.get("value") for o in options if isinstance(o, dict)}
    chosen = element.get("initial_options") or ([element["initial_option"]] if "initial_option" in element else [])
    for index, option in enumerate(chosen):
        if isinstance(option, dict) and option.get("value") not in values:
            where = f"initial_options/{index}" if "initial_options" in element else "initial_option"
            yield f"{pointer}/{where}", "must match one of the options"


def _input_lengths(element: Node, pointer: str) -> Iterator[tuple[str, str]]:
    max_length = element.get("max_length", INPUT_TEXT)
    if not isinstance(max_length, int) or not 1 <= max_length <= INPUT_TEXT:
        yield f"{pointer}/max_length", f"must be between 1 and {INPUT_TEXT}"
        return
    if len(str(element.get("initial_value", ""))) > max_length:
        yield f"{pointer}/initial_value", "must be no longer than max_length"


def _shape(block: Node, pointer: str) -> Iterator[tuple[str, str]]:
    """Known block type and fields, as slack_sdk's models know them (they also hold required fields)."""
    try:
        parsed = Block.parse(block)
    except (TypeError, KeyError, AttributeError) as exc:
        yield pointer, str(exc)
        return
    if parsed is None or type(parsed) is Block:
        yield f"{pointer}/type", f"unsupported block type {str(block.get('type'))[:40]!r}"
        return
    try:
        rendered = parsed.to_dict()
    except SlackObjectFormationError as exc:
        yield pointer, str(exc)
        return
    yield from _unknown_fields(block, rendered, pointer)


def _view_shape(view: Node, pointer: str) -> Iterator[tuple[str, str]]:
    try:
        # The blocks are checked one by one; a stand-in keeps the models from refusing an empty list.
        rendered = View(**{**view, "blocks": [{"type": "divider"}]}).to_dict()
    except (SlackObjectFormationError, TypeError, AttributeError, KeyError) as exc:
        yield pointer, str(exc)
        return
    yield from _unknown_fields({k: v for k, v in view.items() if k != "blocks"}, rendered, pointer)


def _unknown_fields(sent: Any, kept: Any, where: str) -> Iterator[tuple[str, str]]:
    """Fields the bot sent that the models dropped: unknown to Slack, which refuses them."""
    if isinstance(sent, dict) and isinstance(kept, dict):
        for key, value in sent.items():
            if key not in kept:
                yield f"{where}/{key}", "unknown field"
            else:
                yield from _unknown_fields(value, kept[key], f"{where}/{key}")
    elif isinstance(sent, list) and isinstance(kept, list):
        for index, (a, b) in enumerate(zip(sent, kept, strict=False)):
            yield from _unknown_fields(a, b, f"{where}/{index}")


# ---------------------------------------------------------------------- the table

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
INPUT_TEXT = 3000
MESSAGE_TEXT = 40_000
# Not in Slack's documentation, but Slack answers msg_blocks_too_long when the text in a message's blocks
# passes about 13,200 characters (measured by others: slackapi/bolt-js#2509); the fake refuses a little
# earlier so a message that passes here passes there.
MESSAGE_BLOCKS_TEXT = 13_000
VIEW_JSON = 250_000
TRIGGER_LIFE = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_LIFE = 30 * 60.0
VIEW_STACK = 3

_SELECTS = {"static_select", "multi_static_select"}
_CHOICES = {"checkboxes", "radio_buttons"}
_WITH_PLACEHOLDER = {"static_select", "multi_static_select", "users_select", "multi_users_select",
                     "conversations_select", "multi_conversations_select", "channels_select",
                     "multi_channels_select", "external_select", "multi_external_select", "datepicker",
                     "timepicker", "plain_text_input", "number_input", "email_text_input", "url_text_input"}

RULES: tuple[Rule, ...] = (
    # surfaces
    Rule("message blocks", MESSAGE_BLOCKS, "a message's blocks", MESSAGE_ERROR, "message", most("blocks", MESSAGE_BLOCKS)),
    Rule("view blocks", VIEW_BLOCKS, "a modal's or Home's blocks", VIEW_ERROR, "view", most("blocks", VIEW_BLOCKS)),
    Rule("unique block_id", None, "block_id within a message or view", SURFACE_ERROR, "surface",
         lambda node, pointer: _unique_block_ids(node.get("blocks") or [], f"{pointer}/blocks")),
    Rule("modal title", 24, "modal title (required, plain_text)", VIEW_ERROR, "modal",
         lambda n, p: (*_required("title")(n, p), *plain("title")(n, p), *longest("title", 24)(n, p))),
    Rule("modal buttons", 24, "modal submit and close (plain_text)", VIEW_ERROR, "modal",
         lambda n, p: (*plain("submit", "close")(n, p), *longest("submit", 24)(n, p), *longest("close", 24)(n, p))),
    Rule("submit with inputs", None, "a modal with input blocks needs submit", VIEW_ERROR, "modal", _submit_with_inputs),
    Rule("private_metadata", 3000, "a view's private_metadata", VIEW_ERROR, "view", longest("private_metadata", 3000)),
    Rule("callback_id", 255, "a view's callback_id", VIEW_ERROR, "view", longest("callback_id", 255)),
    Rule("external_id", 255, "a view's external_id", VIEW_ERROR, "view", longest("external_id", 255)),
    Rule("view fields", None, "known view fields", VIEW_ERROR, "view", _view_shape),
    # blocks
    Rule("shape", None, "every block: a known type with known fields", SURFACE_ERROR, "block", _shape),
    Rule("block_id", 255, "every block's block_id", SURFACE_ERROR, "block", longest("block_id", 255)),
    Rule("unique action_id", None, "action_id within one block", SURFACE_ERROR, "block", _unique_action_ids),
    Rule("section text", 3000, "section text", SURFACE_ERROR, "block:section", longest("text", 3000)),
    Rule("section fields", 10, "section fields", SURFACE_ERROR, "block:section", most("fields", 10)),
    Rule("section field text", 2000, "each section field", SURFACE_ERROR, "block:section",
         each("fields", longest("text", 2000))),
    Rule("section content", None, "a section has text or fields", SURFACE_ERROR, "block:section", _text_or_fields),
    Rule("header text", 150, "header text", SURFACE_ERROR, "block:header", longest("text", 150)),
    Rule("header plain_text", None, "header text is plain_text", SURFACE_ERROR, "block:header", plain("text")),
    Rule("context elements", 10, "context elements", SURFACE_ERROR, "block:context", most("elements", 10)),
    Rule("actions elements", 25, "actions elements", SURFACE_ERROR, "block:actions", most("elements", 25)),
    Rule("input label", 2000, "input label (plain_text)", SURFACE_ERROR, "block:input",
         lambda n, p: (*plain("label")(n, p), *longest("label", 2000)(n, p))),
    Rule("input hint", 2000, "input hint (plain_text)", SURFACE_ERROR, "block:input",
         lambda n, p: (*plain("hint")(n, p), *longest("hint", 2000)(n, p))),
    # elements
    Rule("action_id", 255, "every element's action_id", SURFACE_ERROR, "element", longest("action_id", 255)),
    Rule("button text", 75, "button text", SURFACE_ERROR, "element:button", longest("text", 75)),
    Rule("button plain_text", None, "button text is plain_text", SURFACE_ERROR, "element:button", plain("text")),
    Rule("button value", 2000, "button value", SURFACE_ERROR, "element:button", longest("value", 2000)),
    Rule("button url", 3000, "button url", SURFACE_ERROR, "element:button", longest("url", 3000)),
    Rule("button style", None, "button style: primary or danger", SURFACE_ERROR, "element:button", _style),
    Rule("placeholder", 150, "select, picker and input placeholder (plain_text)", SURFACE_ERROR, "element",
         _only(_WITH_PLACEHOLDER, lambda n, p: (*plain("placeholder")(n, p), *longest("placeholder", 150)(n, p)))),
    Rule("select options", 100, "static select options and option groups", SURFACE_ERROR, "element",
         _only(_SELECTS, lambda n, p: (*most("options", 100)(n, p), *most("option_groups", 100)(n, p)))),
    Rule("select option text", None, "select and overflow option text is plain_text", SURFACE_ERROR, "element",
         _only(_SELECTS | {"overflow"}, lambda n, p: (*each("options", plain("text"))(n, p),
                                                      *each("initial_options", plain("text"))(n, p),
                                                      *plain("initial_option.text")(n, p)))),
    Rule("choice options", 10, "checkboxes and radio button options", SURFACE_ERROR, "element",
         _only(_CHOICES, most("options", 10))),
    Rule("overflow options", 5, "overflow menu options (1 to 5)", SURFACE_ERROR, "element:overflow",
         most("options", 5, least=1)),
    Rule("initial option", None, "initial_option(s) among the options", SURFACE_ERROR, "element",
         _only(_SELECTS | _CHOICES, _initial_among_options)),
    Rule("text input", INPUT_TEXT, "plain_text_input max_length and initial_value", SURFACE_ERROR,
         "element:plain_text_input", _input_lengths),
    # composition objects
    Rule("option text", 75, "option text", SURFACE_ERROR, "option", longest("text", 75)),
    Rule("option value", 150, "option value", SURFACE_ERROR, "option", longest("value", 150)),
    Rule("option description", 75, "option description", SURFACE_ERROR, "option", longest("description", 75)),
    Rule("confirm dialog", 300, "confirm: title 100, text 300, confirm and deny 30 (plain_text buttons)",
         SURFACE_ERROR, "confirm",
         lambda n, p: (*longest("title", 100)(n, p), *longest("text", 300)(n, p), *longest("confirm", 30)(n, p),
                       *longest("deny", 30)(n, p), *plain("title", "confirm", "deny")(n, p))),
    Rule("text not empty", None, "every text object has text", SURFACE_ERROR, "text", _not_empty),
    # enforced by FakeSlack (not a block's shape)
    Rule("message text", MESSAGE_TEXT, "chat.postMessage/chat.update text", "msg_too_long"),
    Rule("message blocks text", MESSAGE_BLOCKS_TEXT, "all text in a message's blocks", "msg_blocks_too_long"),
    Rule("view size", VIEW_JSON, "a view's JSON (views.publish)", "view_too_large"),
    Rule("trigger_id expiry", TRIGGER_LIFE, "trigger_id (views.open/push), seconds", "expired_trigger_id"),
    Rule("trigger_id single use", 1, "trigger_id (views.open/push), uses", "exchanged_trigger_id"),
    Rule("response_url uses", RESPONSE_URL_USES, "posts to one response_url", "used_url"),
    Rule("response_url expiry", RESPONSE_URL_LIFE, "response_url, seconds after the interaction", "expired_url"),
    Rule("view stack", VIEW_STACK, "views.push: views in one modal", "push_limit_reached"),
)

RULE = {rule.name: rule for rule in RULES}
_BY_KIND: dict[str, list[Rule]] = {}
for _rule in RULES:
    if _rule.check is not None:
        _BY_KIND.setdefault(_rule.kind, []).append(_rule)


# ---------------------------------------------------------------------- applying it

_TEXT_TYPES = {"plain_text", "mrkdwn"}
_OPTION_KEYS = {"options", "initial_options", "initial_option"}
_ELEMENT_KEYS = {"accessory", "elements", "element"}


def _nodes(node: Any, pointer: str, key: str) -> Iterator[tuple[Node, str, str]]:
    """(node, pointer, kind) for every object under `node`, `key` being the field that holds it."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _nodes(item, f"{pointer}/{index}", key)
        return
    if not isinstance(node, dict):
        return
    kind = _kind(node, key)
    yield node, pointer, kind
    for child_key, value in node.items():
        yield from _nodes(value, f"{pointer}/{child_key}", child_key)


def _kind(node: Node, key: str) -> str:
    node_type = str(node.get("type", ""))
    if key == "blocks":
        return f"block:{node_type}"
    if key in _OPTION_KEYS:
        return "option"
    if key == "confirm":
        return "confirm"
    if node_type in _TEXT_TYPES:
        return "text"
    if key in _ELEMENT_KEYS and node_type:
        return f"element:{node_type}"
    return ""


def _problems(surface: Node, kinds: tuple[str, ...], pointer: str) -> list[str]:
    found: list[tuple[str, str]] = []
    by_kind = _BY_KIND
    for kind in kinds:
        for rule in by_kind.get(kind, []):
            found += rule.check(surface, pointer)  # type: ignore[misc]
    blocks = surface.get("blocks")
    if isinstance(blocks, list):
        for index, block in enumerate(blocks):
            if not isinstance(block, dict):
                found.append((f"{pointer}/blocks/{index}", "must be an object"))
                continue
            for node, where, kind in _nodes(block, f"{pointer}/blocks/{index}", "blocks"):
                general = kind.split(":")[0]
                for rule in by_kind.get(kind, []) + (by_kind.get(general, []) if general != kind else []):
                    found += rule.check(node, where)  # type: ignore[misc]
    elif blocks is not None:
        found.append((f"{pointer}/blocks", "must be an array"))
    return [f"[ERROR] {problem} [json-pointer:{where}]" for where, problem in found]


def message_problems(blocks: Any) -> list[str]:
    """What Slack would answer in response_metadata.messages for a message's `blocks` (empty: valid)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    return _problems({"blocks": blocks}, ("surface", "message"), "")


def view_problems(view: Any) -> list[str]:
    """What Slack would answer in response_metadata.messages for a modal or Home view (empty: valid)."""
    if not isinstance(view, dict):
        return ["[ERROR] must be an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in {"modal", "home"}:
        return ["[ERROR] must be modal or home [json-pointer:/view/type]"]
    return _problems(view, ("surface", "view", str(kind)), "/view")


def blocks_text_length(blocks: Any) -> int:
    """Characters of text in `blocks` (every text object's `text`), as counted against MESSAGE_BLOCKS_TEXT."""
    return sum(len(node["text"]) for node, _, _ in _nodes(blocks, "", "") if isinstance(node.get("text"), str))
