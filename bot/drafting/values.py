"""Dates templates print, in the customer's timezone (amounts are bot.money.Amount, in the workspace locale).

They read naturally when printed as they are (`{{ order.new_date }}` -> "Friday 27 November at 2 pm",
`{{ compensation }}` -> "£240") and offer other forms as attributes (`{{ order.new_date.date }}`,
`{{ order.new_date.short }}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class When:
    """An instant as the customer lives it: already converted to their timezone."""

    at: datetime
    show_year: bool = False  # only when it isn't this year

    @classmethod
    def of(cls, instant: datetime, zone: ZoneInfo, *, now: datetime) -> When:
        if instant.tzinfo is None:
            raise ValueError("When needs an aware datetime")
        local = instant.astimezone(zone)
        return cls(local, show_year=local.year != now.astimezone(zone).year)

    @property
    def date(self) -> str:
        """Friday 27 November"""
        text = f"{self.at:%A} {self.at.day} {self.at:%B}"
        return f"{text} {self.at.year}" if self.show_year else text

    @property
    def short(self) -> str:
        """Fri 27 Nov (for SMS)"""
        text = f"{self.at:%a} {self.at.day} {self.at:%b}"
        return f"{text} {self.at.year}" if self.show_year else text

    @property
    def time(self) -> str:
        """2 pm, 2:30 pm, noon, 12 am ("midnight" would leave the reader unsure which night)"""
        hour, minute = self.at.hour, self.at.minute
        if minute == 0 and hour == 12:
            return "noon"
        suffix = "am" if hour < 12 else "pm"
        hour12 = hour % 12 or 12
        return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"

    @property
    def weekday(self) -> str:
        return f"{self.at:%A}"

    @property
    def zone(self) -> str:
        """The zone's abbreviation, e.g. GMT or EST (for internal notes; customers know their own zone)."""
        return self.at.tzname() or ""

    def __str__(self) -> str:
        return f"{self.date} at {self.time}"
