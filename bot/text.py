"""Helpers for text shown in Slack.

Slack's mrkdwn gives meaning to `&`, `<` and `>` (mentions like `<!channel>` and links are written between
angle brackets), and those three have a documented escape (`&amp;`, `&lt;`, `&gt;`: `escape_mrkdwn`). It
also turns `*bold*`, `_italic_`, `~strike~` and backticks into formatting, and for those Slack documents
no escape at all (a backslash is shown, not obeyed). So what a person typed - a customer name, a promise,
a note, a search query - is never handed to mrkdwn: `literal(value)` marks it inside the mrkdwn line it
belongs to, and the block builders (bot/slack/blocks/base.py) put the marked text where Slack shows text
as it is: a rich_text block's text elements (whose styles are explicit; Slack recommends rich_text for
user-defined text) or a plain_text object. Anything rendered through them shows exactly as typed and can
never ping anyone. HTML escaping is wrong here: it would turn O'Brien into O&#39;Brien.
"""

from __future__ import annotations

import re

_MRKDWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
# Private-use characters around person text inside a mrkdwn line; removed from what a person typed.
LITERAL_OPEN, LITERAL_CLOSE = "\ue000", "\ue001"
_MARKERS = str.maketrans({LITERAL_OPEN: "", LITERAL_CLOSE: ""})
_LITERAL = re.compile(f"{LITERAL_OPEN}([^{LITERAL_CLOSE}]*)(?:{LITERAL_CLOSE}|$)")


def escape_mrkdwn(value: object) -> str:
    """Return `value` as text that Slack shows literally (no mentions, links or entities)."""
    return str(value).translate(_MRKDWN_ESCAPES)


def literal(value: object, limit: int) -> str:
    """`value` (text a person typed) cut to `limit` characters and marked to be shown exactly as typed."""
    return LITERAL_OPEN + truncate(str(value).translate(_MARKERS), limit) + LITERAL_CLOSE


def literal_parts(text: str) -> list[tuple[str, bool]]:
    """`text` as (piece, is_literal) pairs: mrkdwn written by Amends, and the person text marked in it."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for match in _LITERAL.finditer(text):
        if match.start() > at:
            parts.append((text[at:match.start()], False))
        parts.append((match.group(1), True))
        at = match.end()
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def has_literal(text: str) -> bool:
    return LITERAL_OPEN in text


def unmarked(text: str) -> str:
    """`text` with its marks taken off, for plain_text (which shows everything as typed)."""
    return text.translate(_MARKERS)


def as_mrkdwn(text: str) -> str:
    """`text` with its person text escaped the old way, for where only mrkdwn can go (a notification's
    fallback text): mentions and links stay harmless, formatting characters may show as formatting."""
    return "".join(escape_mrkdwn(piece) if is_literal else piece for piece, is_literal in literal_parts(text))


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Shorten `text` to at most `limit` characters, marking the cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(ellipsis))] + ellipsis


def one_line(text: str, limit: int = 80) -> str:
    """First line of `text`, whitespace-folded and shortened: for titles, fallbacks and previews."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    return truncate(first, limit)


def escape_fit(value: object, limit: int, *, ellipsis: str = "…") -> str:
    """`escape_mrkdwn(value)` cut to at most `limit` characters without splitting an entity like `&amp;`.

    Slack counts the escaped length against its limits, so escaping and fitting happen together.
    """
    escaped = escape_mrkdwn(value)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ellipsis)
    out: list[str] = []
    used = 0
    for char in str(value):
        piece = char.translate(_MRKDWN_ESCAPES)
        if used + len(piece) > budget:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + ellipsis
