"""Dates in a draft that contradict the case: "tomorrow" when the new date is a week away promises the
customer something the team can't keep, the way the first promise broke (domain code, no Slack).

Read in English (the base language's words): today, tonight, tomorrow, and day-month dates such as
"Friday 27 November", "27 Nov", "November 27th". A relative word is a hint when its day isn't the case's
new date; a written date when it falls before the new date and is none of the case's own dates (the
original due date, the day the customer was told), since an earlier day is the promise that would break.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.drafting.tone import MAX_EXCERPTS, ToneHint, normalize

RULE_ID = "date-contradicts-case"
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|"
          r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
_RELATIVE = re.compile(r"\b(today|tonight|this (?:morning|afternoon|evening)|tomorrow)\b", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}\b\.?(?:,?\s+(\d{{4}}))?", re.IGNORECASE)
_MONTH_DAY = re.compile(rf"\b{_MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(\d{{4}}))?", re.IGNORECASE)


@dataclass(frozen=True)
class CaseDates:
    """What the case says: the new date the customer may be told, and the case's other days."""

    new_date: datetime
    zone: ZoneInfo
    now: datetime
    others: tuple[datetime, ...] = ()  # the original due date, when the customer was told...

    def day(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()


def date_hints(text: str, dates: CaseDates) -> list[ToneHint]:
    """One hint listing the words that contradict the case's new date; none when every date agrees."""
    text = normalize(text)
    target = dates.day(dates.new_date)
    today = dates.day(dates.now)
    allowed = {dates.day(d) for d in dates.others} | {target}
    found: list[str] = []
    for match in _RELATIVE.finditer(text):
        word = match.group(1).lower()
        day = today + timedelta(days=1) if word == "tomorrow" else today
        if day != target:
            found.append(f"“{match.group(0)}” ({_short(day)})")
    for day, words in _written_dates(text, today):
        if day < target and day not in allowed:
            found.append(f"“{words}”")
    if not found:
        return []
    return [ToneHint(RULE_ID, "A date the case doesn't say",
                     f"The case's new date is {_short(target)}: promising an earlier day risks breaking the "
                     "promise a second time. Say the date the team can keep.", tuple(_unique(found))[:MAX_EXCERPTS])]


def _written_dates(text: str, today: date) -> list[tuple[date, str]]:
    found = []
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for match in pattern.finditer(text):
            month = _MONTHS.index(match.group(month_group)[:3].lower()) + 1
            year = int(match.group(3)) if match.group(3) else None
            day = _resolve(int(match.group(day_group)), month, year, today)
            if day is not None:
                found.append((day, " ".join(match.group(0).split())))
    return found


def _resolve(day: int, month: int, year: int | None, today: date) -> date | None:
    """The date meant: with no year, the nearest such day from a couple of months back onwards."""
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(today.year, month, day)
        return candidate if candidate >= today - timedelta(days=60) else date(today.year + 1, month, day)
    except ValueError:
        return None  # "31 Nov" is no day at all; not the tone check's business


def _short(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _unique(items: Collection[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item.lower() not in (s.lower() for s in seen):
            seen.append(item)
    return seen


def case_dates(case: object, zone: ZoneInfo, now: datetime) -> CaseDates | None:
    """The dates a draft for `case` may state (its new date, else its achievable date); None when it has
    neither, and a draft says no date to contradict."""
    target = getattr(case, "new_date", None) or getattr(case, "achievable_date", None)
    if target is None:
        return None
    others = tuple(d for d in (getattr(case, "promised_at", None), getattr(case, "customer_contacted_at", None),
                               getattr(case, "achievable_date", None)) if d is not None)
    return CaseDates(target, zone, now, others)
