"""Dates templates print, in the customer's timezone and language (amounts are bot.money.Amount, in the
workspace locale). English is written as people say it ("Friday 27 November at 2 pm"); other languages
through Babel's CLDR data ("viernes 27 de noviembre a las 14:00").

They read naturally when printed as they are (`{{ order.new_date }}` -> "Friday 27 November at 2 pm",
`{{ compensation }}` -> "£240") and offer other forms as attributes (`{{ order.new_date.date }}`,
`{{ order.new_date.short }}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_datetime_format

# Patterns where CLDR's skeletons abbreviate what a letter spells out (date, short date; year added apart).
DATE_PATTERNS = {"es": ("EEEE d 'de' MMMM", "EEE d MMM", " 'de' y")}
AT = {"es": "{date} a las {time}"}


@dataclass(frozen=True)
class When:
    """An instant as the customer lives it: already converted to their timezone."""

    at: datetime
    show_year: bool = False  # only when it isn't this year
    language: str = "en"

    @classmethod
    def of(cls, instant: datetime, zone: ZoneInfo, *, now: datetime, language: str = "en") -> When:
        if instant.tzinfo is None:
            raise ValueError("When needs an aware datetime")
        local = instant.astimezone(zone)
        return cls(local, show_year=local.year != now.astimezone(zone).year, language=language)

    @property
    def date(self) -> str:
        """Friday 27 November"""
        if self.language != "en":
            return self._babel_date(0, "MMMMEEEEd")
        text = f"{self.at:%A} {self.at.day} {self.at:%B}"
        return f"{text} {self.at.year}" if self.show_year else text

    @property
    def short(self) -> str:
        """Fri 27 Nov (for SMS)"""
        if self.language != "en":
            return self._babel_date(1, "MMMEd")
        text = f"{self.at:%a} {self.at.day} {self.at:%b}"
        return f"{text} {self.at.year}" if self.show_year else text

    def _babel_date(self, which: int, skeleton: str) -> str:
        patterns = DATE_PATTERNS.get(self.language)
        if patterns is None:
            return format_skeleton(f"y{skeleton}" if self.show_year else skeleton, self.at, locale=self.language)
        return format_date(self.at, patterns[which] + (patterns[2] if self.show_year else ""), locale=self.language)

    @property
    def time(self) -> str:
        """2 pm, 2:30 pm, noon, 12 am ("midnight" would leave the reader unsure which night)"""
        if self.language != "en":
            return format_time(self.at, "short", locale=self.language)
        hour, minute = self.at.hour, self.at.minute
        if minute == 0 and hour == 12:
            return "noon"
        suffix = "am" if hour < 12 else "pm"
        hour12 = hour % 12 or 12
        return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"

    @property
    def weekday(self) -> str:
        return f"{self.at:%A}" if self.language == "en" else format_date(self.at, "EEEE", locale=self.language)

    @property
    def zone(self) -> str:
        """The zone's abbreviation, e.g. GMT or EST (for internal notes; customers know their own zone)."""
        return self.at.tzname() or ""

    def __str__(self) -> str:
        if self.language == "en":
            return f"{self.date} at {self.time}"
        pattern = AT.get(self.language)
        if pattern:
            return pattern.format(date=self.date, time=self.time)
        return get_datetime_format("long", locale=self.language).replace("'", "").format(self.time, self.date)
