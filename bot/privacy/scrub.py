"""The customer's name and contact taken out of the team's own words (a lesson, a note, the index)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.cases.models import Case
from bot.knowledge.text import STOPWORDS
from bot.privacy.personal import ERASED

THE_CUSTOMER = "the customer"


@dataclass
class Scrubber:
    """Replaces a customer's name, its words and their contact in the team's own text."""

    patterns: list[re.Pattern[str]] = field(default_factory=list)

    @classmethod
    def of(cls, case: Case) -> Scrubber:
        names = [case.customer_name or "", case.customer_contact or ""]
        words = [w for w in re.findall(r"\w{3,}", case.customer_name or "") if w.lower() not in STOPWORDS]
        literal = sorted({n.strip() for n in names + words if n and n.strip() and n != ERASED}, key=len,
                         reverse=True)
        return cls([re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in literal])

    def __call__(self, text: str | None) -> str | None:
        return None if text is None else self.text(text)

    def text(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(THE_CUSTOMER, text)
        return text
