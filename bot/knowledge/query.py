"""What someone typed after `/recover search`, taken apart: words, "quoted phrases" and filters.

Filters, as in Slack's own search: `cause:stock-out`, `in:#channel`, `from:@person`, `before:2026-05-01`,
`after:2026-04-30` (dates in the workspace's timezone; `before:` and `after:` exclude the day itself,
`on:` is that one day). Channels and people are kept as typed (an id, a Slack mention or a name); the
Slack layer turns names into ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rapidfuzz import fuzz, process

from bot.cases.causes import Cause
from bot.errors import InvalidInput
from bot.knowledge.text import normalize

MAX_QUERY = 500

_PART = re.compile(r'"([^"]*)"?|(\S+)')
_FILTER = re.compile(r"^(cause|in|from|before|after|on):(.*)$", re.IGNORECASE)
_CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|([^>]*))?>$|^#?([CG][A-Z0-9]{6,})$|^#(.+)$")
_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|([^>]*))?>$|^@?([UW][A-Z0-9]{6,})$|^@?(.+)$")


@dataclass(frozen=True)
class Ref:
    """A channel or person as typed: `id` when it was given as one, else `name` to look up."""

    id: str | None = None
    name: str | None = None

    def __str__(self) -> str:
        return self.id or self.name or ""


@dataclass(frozen=True)
class ParsedQuery:
    words: tuple[str, ...] = ()                    # normalised free words, in the order typed
    phrases: tuple[tuple[str, ...], ...] = ()      # "quoted phrases", each normalised
    cause: str | None = None
    channels: tuple[Ref, ...] = ()
    people: tuple[Ref, ...] = ()
    after: datetime | None = None                  # posted at or after
    before: datetime | None = None                 # posted before
    text: str = ""                                 # the free text, for "results for ..."

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def has_filters(self) -> bool:
        return bool(self.cause or self.channels or self.people or self.after or self.before)


@dataclass
class _Builder:
    words: list[str] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)


def parse_query(raw: str, *, zone: ZoneInfo) -> ParsedQuery:
    raw = raw.strip()
    if len(raw) > MAX_QUERY:
        raise InvalidInput(f"That search is {len(raw)} characters long; please keep it under {MAX_QUERY}.")
    raw = raw.replace("“", '"').replace("”", '"')
    built = _Builder()
    cause: str | None = None
    channels: list[Ref] = []
    people: list[Ref] = []
    after: datetime | None = None
    before: datetime | None = None
    for phrase, part in _PART.findall(raw):
        found = _FILTER.match(part) if part else None
        if found is None or not found.group(2):
            words = normalize(phrase or part).split()
            if phrase and len(words) > 1:
                built.phrases.append(tuple(words))
            else:
                built.words.extend(words)
            built.shown.append(f'"{phrase}"' if phrase else part)
            continue
        name, value = found.group(1).lower(), found.group(2).strip()
        if name == "cause":
            cause = parse_cause(value)
        elif name == "in":
            channels.append(_ref(_CHANNEL, value))
        elif name == "from":
            people.append(_ref(_USER, value))
        else:
            day = _date(name, value)
            start = datetime.combine(day, time.min, zone)
            if name == "after":
                after = start + timedelta(days=1)
            elif name == "before":
                before = start
            else:
                after, before = start, start + timedelta(days=1)
    if after and before and after >= before:
        raise InvalidInput("No day is both after and before those dates; please check `after:` and `before:`.")
    return ParsedQuery(tuple(built.words), tuple(built.phrases), cause, tuple(channels), tuple(people), after,
                       before, " ".join(built.shown))


def parse_cause(value: str) -> str:
    wanted = normalize(value).replace(" ", "-")
    for cause in Cause:
        if wanted in {cause.value, normalize(cause.label).replace(" ", "-")}:
            return cause.value
    choices = {cause.value: cause.value for cause in Cause} | {normalize(c.label): c.value for c in Cause}
    guess = process.extractOne(wanted, list(choices), scorer=fuzz.ratio, score_cutoff=70)
    if guess is not None:
        return choices[guess[0]]
    listed = ", ".join(f"`{c.value}`" for c in Cause)
    raise InvalidInput(f"I don't know the cause “{value}”. Use one of {listed}.")


def _ref(pattern: re.Pattern[str], value: str) -> Ref:
    found = pattern.match(value)
    assert found is not None  # the last alternative matches anything
    mention_id, _label, bare_id, name = found.groups()
    if mention_id or bare_id:
        return Ref(id=mention_id or bare_id)
    return Ref(name=name.strip().lstrip("@#").lower())


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"`{name}:{value}` isn't a date I understand; write it like `{name}:2026-05-01`.") from None
