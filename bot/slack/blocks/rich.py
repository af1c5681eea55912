"""A mrkdwn line holding person text, as Block Kit that shows the person text exactly as typed.

The block builders write their lines in mrkdwn (`*AM-1* · due <!date^…>`) with person text marked by
`bot.text.literal`. Slack documents no escape for mrkdwn's `*`, `_`, `~` and backticks, so a line holding
marked text becomes a rich_text block instead: Amends' own mrkdwn (bold, italic, strike, code, mentions,
dates, links, emoji, `> ` quotes) is turned into rich text elements with explicit styles, and the person
text into plain text elements, which Slack shows as they are. Only the small mrkdwn Amends writes itself is
understood here; that is all this ever reads.
"""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

from slack_sdk.models.blocks import Block

from bot.text import literal_parts

_STYLE_OF = {"*": "bold", "_": "italic", "~": "strike", "`": "code"}
_MARKUP = {"<", ":", "&", *_STYLE_OF}  # where Amends' own mrkdwn may do more than show itself
_EMOJI = re.compile(r":([a-z0-9_+'-]+):")
# A formatting character opens after these (or a line start) and closes before these (or a line end).
_BEFORE_OPEN = set(" \n\t([{\"'“‘—–-·•:/")
_AFTER_CLOSE = set(" \n\t)]}\"'”’—–-·•:;,.!?/")


class RichText(Block):
    """A rich_text block as built here, valid by construction (the strict fake Slack checks every shape this
    makes): slack_sdk's RichTextBlock would parse the elements into its models and serialise them again in
    to_dict(), a fifth of a reminder's CPU in a Monday burst."""

    def __init__(self, elements: list[dict[str, Any]], block_id: str | None = None) -> None:
        super().__init__(type="rich_text", block_id=block_id)
        self.elements = elements

    def to_dict(self) -> dict[str, Any]:
        block = {"type": "rich_text", "elements": tree_copy(self.elements)}
        if self.block_id is not None:
            block["block_id"] = self.block_id
        return block


def tree_copy(node: Any) -> Any:
    """A copy of JSON-shaped data (dicts, lists, scalars); copy.deepcopy's memo and dispatch cost several
    times as much for the same result."""
    if isinstance(node, dict):
        return {key: tree_copy(value) for key, value in node.items()}
    if isinstance(node, list):
        return [tree_copy(value) for value in node]
    return node


def rich_text(text: str, *, block_id: str | None = None) -> RichText:
    """A rich_text block showing `text` (mrkdwn with marked person text): `> ` lines become quotes."""
    groups: list[tuple[bool, list[str]]] = []
    for line in text.split("\n"):
        quoted = line.startswith("> ") or line.startswith("&gt; ")
        body = line.split(" ", 1)[1] if quoted else line
        if groups and groups[-1][0] == quoted:
            groups[-1][1].append(body)
        else:
            groups.append((quoted, [body]))
    elements = [{"type": "rich_text_quote" if quoted else "rich_text_section",
                 "elements": inline("\n".join(lines)) or [{"type": "text", "text": " "}]} for quoted, lines in groups]
    return RichText(elements, block_id=block_id)


def _text(chars: list[tuple[str, bool]]) -> str:
    """Characters as shown: Amends' entities decoded, person text as typed."""
    return "".join(html.unescape("".join(c for c, _ in run)) if not literal else "".join(c for c, _ in run)
                   for literal, run in itertools.groupby(chars, key=lambda c: c[1]) for run in [list(run)])


def inline(text: str) -> list[dict[str, Any]]:
    """Rich text elements for one stretch of mrkdwn with marked person text."""
    out: list[dict[str, Any]] = []
    style: dict[str, bool] = {}
    chars = [(c, literal) for piece, literal in literal_parts(text) for c in piece]

    def add(element: dict[str, Any]) -> None:
        if style:
            element["style"] = dict(style)
        if element["type"] == "text" and out and out[-1]["type"] == "text" and out[-1].get("style") == element.get(
                "style"):
            out[-1]["text"] += element["text"]
        elif element["type"] != "text" or element["text"]:
            out.append(element)

    i = 0
    while i < len(chars):
        char, literal = chars[i]
        if literal or char not in _MARKUP:  # a run of text as it is: one element, not one a character
            end = _run_end(chars, i, literal)
            add({"type": "text", "text": "".join(c for c, _ in chars[i:end])})
            i = end
            continue
        if char == "<" and (end := _closing(chars, i)) is not None:
            add(_angle(chars[i + 1:end]))
            i = end + 1
            continue
        if char == ":" and (match := _EMOJI.match(_own(chars, i))):
            add({"type": "emoji", "name": match.group(1)})
            i += len(match.group(0))
            continue
        if char == "&" and (match := re.match(r"&(amp|lt|gt);", _own(chars, i))):
            add({"type": "text", "text": html.unescape(match.group(0))})
            i += len(match.group(0))
            continue
        if char in _STYLE_OF:
            name = _STYLE_OF[char]
            # Person text next to the character counts as a word boundary: Amends put the marker there.
            before, before_literal = chars[i - 1] if i else ("\n", False)
            after, after_literal = chars[i + 1] if i + 1 < len(chars) else ("\n", False)
            if name in style and not before.isspace() and (after in _AFTER_CLOSE or after_literal):
                del style[name]
                i += 1
                continue
            if name not in style and (before in _BEFORE_OPEN or before_literal) and not after.isspace():
                style[name] = True
                i += 1
                continue
        add({"type": "text", "text": char})
        i += 1
    return out


def _run_end(chars: list[tuple[str, bool]], start: int, literal: bool) -> int:
    """Where the run from `start` ends: person text runs to its end; Amends' own text to its next markup."""
    end = start + 1
    while end < len(chars) and chars[end][1] == literal and (literal or chars[end][0] not in _MARKUP):
        end += 1
    return end


def _own(chars: list[tuple[str, bool]], start: int) -> str:
    """Amends' own mrkdwn from `start` up to the next person text (at most 200 characters). Only asked for
    at a `:` or `&`: built for every character, it was most of a reminder's rendering."""
    return "".join(c for c, _ in itertools.takewhile(lambda c: not c[1], chars[start:start + 200]))


def _closing(chars: list[tuple[str, bool]], start: int) -> int | None:
    """Where the `<` written by Amends at `start` closes (a link's label may hold person text)."""
    for j in range(start + 1, min(len(chars), start + 4000)):
        if chars[j] == (">", False):
            return j
        if chars[j] == ("<", False):
            return None
    return None


def _angle(inside: list[tuple[str, bool]]) -> dict[str, Any]:
    """`<@U…>`, `<#C…>`, `<!date^…|…>`, `<!here>`, `<url|label>`, as a rich text element."""
    raw = "".join(c for c, _ in inside)
    target, _, _ = raw.partition("|")
    bar = next((k for k, (c, literal) in enumerate(inside) if c == "|" and not literal), len(inside))
    label = _text(inside[bar + 1:])
    if target.startswith("@"):
        return {"type": "user", "user_id": target[1:]}
    if target.startswith("#"):
        return {"type": "channel", "channel_id": target[1:]}
    if target.startswith("!date^"):
        _, stamp, fmt, *link = target.split("^")
        element: dict[str, Any] = {"type": "date", "timestamp": int(stamp), "format": fmt, "fallback": label}
        if link:
            element["url"] = link[0]
        return element
    if target.startswith("!subteam^"):
        return {"type": "usergroup", "usergroup_id": target.split("^", 1)[1]}
    if target.startswith("!"):
        return {"type": "broadcast", "range": target[1:]}
    link = {"type": "link", "url": html.unescape(target)}
    return {**link, "text": label} if label else link
