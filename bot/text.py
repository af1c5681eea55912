"""Helpers for text shown in Slack.

Slack's mrkdwn gives meaning to exactly three characters: `&`, `<` and `>` (mentions like `<!channel>`
and links are written between angle brackets). Anything a person typed - a customer name, a note, a
message from a channel - goes through `escape_mrkdwn` at the point where it is rendered, so that it is
shown as typed and can never ping anyone. HTML escaping is wrong here: it would turn O'Brien into
O&#39;Brien.
"""

from __future__ import annotations

_MRKDWN_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escape_mrkdwn(value: object) -> str:
    """Return `value` as text that Slack shows literally (no mentions, links or entities)."""
    return str(value).translate(_MRKDWN_ESCAPES)


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
