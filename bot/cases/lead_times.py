"""What a team can really promise: `playbooks/lead_times.yaml`, plus a `lead_times.yaml` in any of the
team's playbook folders (an entry for the same cause, kind and origin replaces the shipped one).

    eta_buffer: 1d                 # room added to an order system's ETA (default: none)
    lead_times:
      - cause: supplier-delay      # a cause (bot.cases.causes.Cause); omitted: any cause
        from: CN                   # where it comes from: a country or a supplier, as the intake lists it
        lead: 7d                   # 7d, 48h, 3 working days, next working day
        buffer: 2d                 # room to spare on top (default: none)
        note: sea freight from Shenzhen   # for the team; not shown to customers
      - kind: visit                # goods, service or visit; omitted: any kind
        lead: next working day

A case takes the entry that fits it most closely (its origin, then its kind, then its cause; a later
folder's entry before the shipped one). `amends check` validates the files and names the causes no entry
covers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.cases.causes import Cause, PromiseKind
from bot.datafile import load_model
from bot.errors import ConfigError
from bot.paths import LEAD_TIMES_FILE, SHIPPED_PLAYBOOKS
from bot.playbooks.config import PlaybooksConfig

_SPAN = re.compile(r"^\s*(\d{1,3})\s*(d|h|days?|hours?|working\s+days?|business\s+days?)\s*$", re.IGNORECASE)
_NEXT = re.compile(r"^\s*next\s+(working|business)\s+day\s*$", re.IGNORECASE)
MAX_SPAN = timedelta(days=365)


@dataclass(frozen=True)
class Span:
    """A lead time or a buffer: calendar time, or working days (counted on the team's working days)."""

    calendar: timedelta = timedelta(0)
    working_days: int = 0

    @classmethod
    def parse(cls, value: Any) -> Span:
        if isinstance(value, Span):
            return value
        text = str(value)
        if _NEXT.match(text):
            return cls(working_days=1)
        match = _SPAN.match(text)
        if not match or isinstance(value, bool):
            raise ValueError(f"{value!r} is not a lead time like 7d, 48h, 3 working days or next working day")
        amount, unit = int(match.group(1)), match.group(2).lower()
        if "working" in unit or "business" in unit:
            return cls(working_days=amount)
        span = timedelta(hours=amount) if unit.startswith("h") else timedelta(days=amount)
        if span > MAX_SPAN:
            raise ValueError(f"{value!r} is more than a year; write what the team can really promise")
        return cls(calendar=span)

    @property
    def is_zero(self) -> bool:
        return not self.calendar and not self.working_days

    def words(self) -> str:
        """"7 days", "48 hours", "3 working days", "the next working day"."""
        if self.working_days == 1:
            return "the next working day"
        if self.working_days:
            return f"{self.working_days} working days"
        hours = int(self.calendar.total_seconds() // 3600)
        if hours % 24:
            return f"{hours} hour{'s' if hours != 1 else ''}"
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"

    def buffer_words(self) -> str:
        """"2 days' buffer", "1 day's buffer"."""
        words = "1 working day" if self.working_days == 1 else self.words()
        return f"{words}{chr(39) if words.endswith('s') else chr(39) + 's'} buffer"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class LeadTime(_Strict):
    cause: Cause | None = None
    kind: PromiseKind | None = None
    origin: str | None = Field(default=None, alias="from", min_length=1, max_length=40)
    lead: Span
    buffer: Span = Span()
    note: str | None = None

    @field_validator("lead", "buffer", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Span:
        return Span.parse(value)

    @field_validator("origin")
    @classmethod
    def _origin(cls, value: str | None) -> str | None:
        return value.strip() if value else value

    @model_validator(mode="after")
    def _says_what(self) -> LeadTime:
        if self.cause is None and self.kind is None and self.origin is None:
            raise ValueError("say what it is for: a cause, a kind or where it comes from (from:)")
        return self

    @property
    def key(self) -> tuple[str | None, str | None, str | None]:
        return (self.cause, self.kind, self.origin.casefold() if self.origin else None)

    def fits(self, cause: str, kind: str | None, origin: str | None) -> bool:
        return ((self.cause is None or self.cause == cause) and (self.kind is None or self.kind == kind)
                and (self.origin is None or (origin is not None and self.origin.casefold() == origin.casefold())))

    def describe(self) -> str:
        """What it is for, as the associate reads it: "supplier-delay from CN", "visit"."""
        parts = [str(p) for p in (self.cause, self.kind) if p]
        what = " ".join(parts) or "anything"
        return f"{what} from {self.origin}" if self.origin else what


class LeadTimesFile(_Strict):
    eta_buffer: Span = Span()
    lead_times: tuple[LeadTime, ...] = ()

    @field_validator("eta_buffer", mode="before")
    @classmethod
    def _span(cls, value: Any) -> Span:
        return Span.parse(value)

    @model_validator(mode="after")
    def _unique(self) -> LeadTimesFile:
        seen: set[tuple[str | None, ...]] = set()
        for entry in self.lead_times:
            if entry.key in seen:
                raise ValueError(f"{entry.describe()} is listed twice; keep one entry")
            seen.add(entry.key)
        return self


@dataclass(frozen=True)
class LeadTimes:
    """The merged entries, most specific first within equal fit (a team's before the shipped)."""

    entries: tuple[LeadTime, ...] = ()
    eta_buffer: Span = Span()
    sources: tuple[Path, ...] = ()

    def best(self, cause: str, kind: str | None, origin: str | None) -> LeadTime | None:
        fitting = [e for e in self.entries if e.fits(cause, kind, origin)]
        # Origin says the most about how long it takes, then the kind of promise, then the cause.
        return max(fitting, key=lambda e: (e.origin is not None, e.kind is not None, e.cause is not None),
                   default=None)

    @property
    def origins(self) -> tuple[str, ...]:
        """Every origin named, as written first, for the intake's list."""
        seen: dict[str, str] = {}
        for entry in self.entries:
            if entry.origin:
                seen.setdefault(entry.origin.casefold(), entry.origin)
        return tuple(sorted(seen.values(), key=str.casefold))

    def uncovered_causes(self) -> list[str]:
        """Causes for which no entry gives goods a date (an entry for a kind or origin alone doesn't)."""
        covered = {e.cause for e in self.entries if e.origin is None and e.kind in (None, PromiseKind.GOODS)}
        if any(e.cause is None and e.origin is None and e.kind in (None, PromiseKind.GOODS) for e in self.entries):
            return []
        return [c.value for c in Cause if c not in covered]


def lead_time_files(config: PlaybooksConfig) -> list[Path]:
    folders = [SHIPPED_PLAYBOOKS, *config.folders]
    return [folder / LEAD_TIMES_FILE for folder in folders if (folder / LEAD_TIMES_FILE).is_file()]


def check_lead_times(config: PlaybooksConfig) -> tuple[LeadTimes, list[str]]:
    """The merged lead times and every problem in every file (file:line: where: what)."""
    merged: dict[tuple[str | None, ...], LeadTime] = {}
    eta_buffer = Span()
    problems: list[str] = []
    files = lead_time_files(config)
    for path in files:
        try:
            parsed = load_model(path, LeadTimesFile, empty_ok=True)
        except ConfigError as exc:
            problems += exc.problems
            continue
        if "eta_buffer" in parsed.model_fields_set:
            eta_buffer = parsed.eta_buffer
        for entry in parsed.lead_times:
            merged.pop(entry.key, None)  # re-inserted last: a later folder wins ties
            merged[entry.key] = entry
    entries = tuple(reversed(list(merged.values())))
    return LeadTimes(entries, eta_buffer, tuple(files)), problems


def load_lead_times(config: PlaybooksConfig) -> LeadTimes:
    lead_times, problems = check_lead_times(config)
    if problems:
        raise ConfigError(problems)
    return lead_times
