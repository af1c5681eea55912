"""SMS drafts that fit: a text longer than the limit (two SMS, 320 characters) is split at a sentence end
into two marked parts, "(1/2) ..." and "(2/2) ...", each within the limit, to send one after the other.
One that cannot be split that way is left whole, and the tone check says it is too long: never over the
limit silently.
"""

from __future__ import annotations

import re

SMS_LIMIT = 320
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
SECOND = "\n\n(2/2) "


def fit(text: str, limit: int = SMS_LIMIT) -> str:
    if len(text) <= limit:
        return text
    sentences = SENTENCE_END.split(text.strip())
    best: tuple[int, str] | None = None
    for cut in range(1, len(sentences)):
        first, second = " ".join(sentences[:cut]), " ".join(sentences[cut:])
        if len("(1/2) " + first) <= limit and len(SECOND.lstrip() + second) <= limit:
            balance = abs(len(first) - len(second))  # two texts of a similar size read best
            if best is None or balance < best[0]:
                best = (balance, f"(1/2) {first}{SECOND}{second}")
    return best[1] if best else text


def parts(text: str) -> list[str]:
    """The texts an SMS draft is sent as: one, or the two marked parts."""
    if text.startswith("(1/2) ") and SECOND in text:
        first, _, second = text.partition(SECOND)
        return [first, SECOND.lstrip() + second]
    return [text]
