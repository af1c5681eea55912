"""The catalog of pre-approved alternatives and incentives: `playbooks/alternatives.yaml`, plus an
`alternatives.yaml` in any of the team's playbook folders (an entry with the same id replaces the
shipped one; `enabled: false` retires it).

    alternatives:                  # what the customer may take instead of waiting
      - id: expedite-on-arrival
        title: Express delivery as soon as the stock arrives      # what the associate sees
        say: free express delivery the moment it's back in stock # how a message to the customer says it
        causes: [stock-out, supplier-delay]                       # or [any]
        kinds: [goods]             # promise kinds it suits: goods, service, visit (default: all)
        cost: 25                   # to the business: a fixed amount, or a share of the order like 10%
        value: 40                  # to the customer, the same way
        grant: {associate: 50, manager: 150}   # who may give it without approval, up to what cost
        ruled_out_by: [special-order]   # keep-the-promise checks that, recorded as "tried, no luck" or
                                        # "not possible", rule it out: ranked last and marked (`amends check`
                                        # names a check no playbook has)
        needs: several-items            # hidden when the promise is for a single item
    incentives:                    # what makes taking an alternative (or staying) worth it
      - ...

`ranked(entries, kind, case, role, ruled_out=...)` lists the entries that fit a case, best first, priced
for it.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_serializer,
    field_validator,
    model_validator,
)

from bot.cases.causes import Cause, PromiseKind
from bot.cases.models import Case
from bot.datafile import load_model, read_yaml
from bot.drafting.templates import BASE_LANGUAGE
from bot.errors import ConfigError
from bot.money import CENT
from bot.money import parse as parse_amount
from bot.paths import CATALOG_FILE, SHIPPED_PLAYBOOKS
from bot.playbooks.config import PlaybooksConfig

ANY = "any"
SAY_LENGTH = 150
CATALOG_MAX = Decimal("9999999.99")


def _lower(exc: ValueError) -> str:
    """A money message as part of a data-file problem line: "amount can't be negative", no full stop."""
    text = str(exc).rstrip(".")
    return text[:1].lower() + text[1:]
ID_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})?)\s*%\s*$")


class Kind(StrEnum):
    ALTERNATIVE = "alternative"
    INCENTIVE = "incentive"


class Need(StrEnum):
    """What an order must be for an entry to make sense."""

    SEVERAL_ITEMS = "several-items"  # a partial shipment of a single item is no shipment


class Standing(IntEnum):
    """Where resolved cases put an entry (bot/offers/learning.py), best first: it sorts as it reads."""

    UP = 0       # customers in similar cases take it more than the rest, and are as happy
    NEUTRAL = 1  # no clear signal, or too few cases
    DOWN = 2     # customers in similar cases take it less than the rest


@dataclass(frozen=True)
class Verdict:
    standing: Standing
    score: float          # the take rate's lower bound times satisfaction out of 5: orders entries ranked up
    reason: str | None    # for the associate: "taken by 7 of 9 similar customers, satisfaction 4.6"


NO_VERDICT = Verdict(Standing.NEUTRAL, 0.0, None)


class Role(StrEnum):
    """Who is making the offer, for the limits that apply to them."""

    ASSOCIATE = "associate"
    MANAGER = "manager"
    APPROVER = "approver"  # decides requests, so has no limit of their own


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Price:
    """A fixed amount, or a percentage of the order value."""

    fixed: Decimal | None = None
    percent: Decimal | None = None

    @classmethod
    def parse(cls, value: Any) -> Price:
        if isinstance(value, Price):
            return value
        match = _PERCENT.match(str(value)) if isinstance(value, str) else None
        if match:
            percent = Decimal(match.group(1))
            if percent > 100:
                raise ValueError("a percentage of the order can be at most 100%")
            return cls(percent=percent)
        if isinstance(value, float):
            value = repr(value)  # YAML's 12.5; its shortest text is the number the person wrote
        try:
            return cls(fixed=parse_amount(value, currency=None, maximum=CATALOG_MAX))
        except ValueError as exc:
            raise ValueError(f"{_lower(exc)}; or a share of the order value like 10%") from None

    def of(self, order_value: Decimal | None) -> Decimal | None:
        """The amount for an order; None when it is a percentage and the order value is unknown."""
        if self.fixed is not None:
            return self.fixed
        if order_value is None:
            return None
        return (order_value * (self.percent or 0) / 100).quantize(CENT, ROUND_HALF_UP)

    def __str__(self) -> str:
        return f"{self.percent.normalize():f}% of the order" if self.percent is not None else f"{self.fixed}"


class Grant(_Strict):
    """Up to what cost each role may give the entry without asking an approver."""

    associate: Decimal = Decimal("0")
    manager: Decimal = Decimal("0")

    @field_validator("associate", "manager", mode="before")
    @classmethod
    def _amount(cls, value: Any) -> Decimal:
        try:
            return parse_amount(repr(value) if isinstance(value, float) else value, currency=None,
                                maximum=CATALOG_MAX)
        except ValueError as exc:
            raise ValueError(_lower(exc)) from None

    @model_validator(mode="after")
    def _ordered(self) -> Grant:
        if self.manager < self.associate:
            raise ValueError("a manager's limit must be at least the associate's")
        return self

    def limit(self, role: Role) -> Decimal | None:
        return {Role.ASSOCIATE: self.associate, Role.MANAGER: self.manager}.get(role)


class Entry(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=60)
    # How a message to the customer names it: in the base language, or by language ({en: ..., es: ...}).
    # Kept as (language, words) pairs, so the frozen model stays hashable; written out as a mapping.
    say: Annotated[
        Annotated[str, Field(min_length=1, max_length=SAY_LENGTH)]
        | tuple[tuple[Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")],
                      Annotated[str, Field(min_length=1, max_length=SAY_LENGTH)]], ...]
        | None,
        BeforeValidator(lambda v: tuple(v.items()) if isinstance(v, dict) else v),
    ] = None
    causes: tuple[str, ...] = (ANY,)
    # Which kinds of promise it suits: a loaner unit suits goods, a recorded session a service.
    kinds: tuple[PromiseKind, ...] = tuple(PromiseKind)
    cost: Price
    value: Price
    grant: Grant = Field(default_factory=Grant)
    enabled: bool = True
    ruled_out_by: tuple[str, ...] = ()   # keep-the-promise check ids (playbooks' `checks`)
    needs: Need | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @field_validator("cost", "value", mode="before")
    @classmethod
    def _price(cls, value: Any) -> Price:
        return Price.parse(value)

    @field_validator("causes")
    @classmethod
    def _causes(cls, causes: tuple[str, ...]) -> tuple[str, ...]:
        known = {c.value for c in Cause}
        unknown = [c for c in causes if c not in known and c != ANY]
        if unknown or not causes:
            raise ValueError(f"unknown cause {', '.join(map(repr, unknown)) or '(none)'}; use `any` or some of: "
                             f"{', '.join(sorted(known))}")
        return causes

    @field_serializer("say")
    def _say_as_mapping(self, say: str | tuple[tuple[str, str], ...] | None) -> str | dict[str, str] | None:
        return dict(say) if isinstance(say, tuple) else say

    @property
    def customer_text(self) -> str:
        """How a message to the customer in the base language names it."""
        return self.words(BASE_LANGUAGE) or self.title[:1].lower() + self.title[1:]

    def words(self, language: str) -> str | None:
        """How a message to the customer in `language` names it; None when the catalog has no words for it in
        that language (plain `say` is the base language's)."""
        if isinstance(self.say, tuple):
            return dict(self.say).get(language)
        return self.say if language == BASE_LANGUAGE else None

    def fits(self, cause: str) -> bool:
        return ANY in self.causes or cause in self.causes

    def makes_sense_for(self, case: Case) -> bool:
        """False when the order rules the entry out by its nature (a partial shipment of one item)."""
        return not (self.needs is Need.SEVERAL_ITEMS and items_in(case.promise) == 1)


class CatalogFile(_Strict):
    alternatives: tuple[Entry, ...] = ()
    incentives: tuple[Entry, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> CatalogFile:
        seen: set[str] = set()
        for entry in (*self.alternatives, *self.incentives):
            if entry.id in seen:
                raise ValueError(f"id {entry.id!r} is used twice; each entry needs its own id")
            seen.add(entry.id)
        return self


@dataclass(frozen=True)
class Catalog:
    alternatives: tuple[Entry, ...]
    incentives: tuple[Entry, ...]
    sources: tuple[Path, ...] = ()

    def entry(self, kind: Kind, entry_id: str) -> Entry | None:
        entries = self.alternatives if kind is Kind.ALTERNATIVE else self.incentives
        return next((e for e in entries if e.id == entry_id and e.enabled), None)

    def words(self, entry_id: str | None, language: str) -> str | None:
        """How a customer message in `language` names the entry `entry_id` (None: the catalog has no words
        for it in that language, or no such entry any more)."""
        entry = next((e for e in (*self.alternatives, *self.incentives) if e.id == entry_id), None)
        return entry.words(language) if entry is not None else None


# ---------------------------------------------------------------------- loading


def catalog_files(config: PlaybooksConfig) -> list[Path]:
    """The shipped catalog, then each team folder's own, in order (later ones override)."""
    folders = [SHIPPED_PLAYBOOKS, *config.folders]
    return [folder / CATALOG_FILE for folder in folders if (folder / CATALOG_FILE).is_file()]


def check_catalog(config: PlaybooksConfig, known_checks: Collection[str] | None = None) -> tuple[Catalog, list[str]]:
    """The merged catalog and every problem in every file (file:line: where: what). With `known_checks`
    (every keep-the-promise check id in the playbooks), a `ruled_out_by` naming another is a problem."""
    alternatives: dict[str, Entry] = {}
    incentives: dict[str, Entry] = {}
    problems: list[str] = []
    files = catalog_files(config)
    for path in files:
        try:
            parsed = load_model(path, CatalogFile, empty_ok=True)
        except ConfigError as exc:
            problems += exc.problems
            continue
        if known_checks is not None:
            problems += _unknown_checks(path, parsed, set(known_checks))
        for entry in parsed.alternatives:
            incentives.pop(entry.id, None)
            alternatives[entry.id] = entry
        for entry in parsed.incentives:
            alternatives.pop(entry.id, None)
            incentives[entry.id] = entry
    if not files:
        problems.append(f"{SHIPPED_PLAYBOOKS / CATALOG_FILE}: the catalog of alternatives is missing")
    catalog = Catalog(tuple(e for e in alternatives.values() if e.enabled),
                      tuple(e for e in incentives.values() if e.enabled), tuple(files))
    if not problems and not catalog.alternatives:
        problems.append(f"{files[-1]}: no alternatives are enabled; associates would have nothing to offer")
    return catalog, problems


def _unknown_checks(path: Path, parsed: CatalogFile, known: set[str]) -> list[str]:
    doc = None
    problems = []
    for section, entries in (("alternatives", parsed.alternatives), ("incentives", parsed.incentives)):
        for index, entry in enumerate(entries):
            for position, check in enumerate(entry.ruled_out_by):
                if check in known:
                    continue
                doc = doc or read_yaml(path)
                near = difflib.get_close_matches(check, known, n=1)
                hint = f"did you mean {near[0]!r}?" if near else f"checks: {', '.join(sorted(known))}"
                problems.append(doc.problem((section, index, "ruled_out_by", position),
                                            f"no playbook has a check {check!r}; {hint}"))
    return problems


def load_catalog(config: PlaybooksConfig) -> Catalog:
    catalog, problems = check_catalog(config)
    if problems:
        raise ConfigError(problems)
    return catalog


@functools.cache
def catalog_for(config: PlaybooksConfig) -> Catalog:
    """The catalog for a configuration, loaded once (configs are frozen and hashable; amends check runs
    load_catalog itself at start)."""
    return load_catalog(config)


# ---------------------------------------------------------------------- for a case


@dataclass(frozen=True)
class Priced:
    """A catalog entry priced for one case, as offered by someone in `role`."""

    entry: Entry
    kind: Kind
    cost: Decimal
    value: Decimal
    for_this_cause: bool       # listed for the case's cause, not only `any`
    limit: Decimal | None      # the offering person's limit for it (None: no limit)
    ruled_out: tuple[str, ...] = ()  # what the checklist recorded against it ("Stock at another location: tried, no luck")
    verdict: Verdict = NO_VERDICT    # what resolved cases say about it

    @property
    def within_limit(self) -> bool:
        return self.limit is None or self.cost <= self.limit


def ranked(entries: Sequence[Entry], kind: Kind, case: Case, role: Role, *,
           ruled_out: Mapping[str, str] | None = None,
           learned: Mapping[str, Verdict] | None = None) -> tuple[list[Priced], list[Entry]]:
    """(the entries that fit the case, best first; those that would fit but need the order value).

    `ruled_out` maps keep-the-promise check ids recorded as tried or not possible to what was recorded;
    an entry tied to one goes last, marked. An entry that makes no sense for the order is left out.
    Otherwise best first: made for this cause before `any`; then what customers in similar cases took
    and liked (`learned`, by entry id: ranked up, the best evidence first; ranked down last); within the
    person's limit before needing approval; the most value to the customer for each unit of cost (a free
    upgrade beats a refund); the catalog's own order."""
    ruled_out, learned = ruled_out or {}, learned or {}
    fitting: list[tuple[tuple[Any, ...], Priced]] = []
    unpriced: list[Entry] = []
    for position, entry in enumerate(entries):
        if not entry.enabled or not entry.fits(case.cause) or (case.promise_kind or PromiseKind.GOODS) not in entry.kinds \
                or not entry.makes_sense_for(case):
            continue
        cost, value = entry.cost.of(case.order_value), entry.value.of(case.order_value)
        if cost is None or value is None:
            unpriced.append(entry)
            continue
        against = tuple(ruled_out[c] for c in entry.ruled_out_by if c in ruled_out)
        verdict = learned.get(entry.id, NO_VERDICT)
        priced = Priced(entry, kind, cost, value, case.cause in entry.causes, entry.grant.limit(role), against,
                        verdict)
        ratio = value / cost if cost else Decimal("Infinity")
        evidence = -verdict.score if verdict.standing is Standing.UP else 0.0
        fitting.append(((bool(against), not priced.for_this_cause, verdict.standing, evidence,
                         not priced.within_limit, -ratio, position), priced))
    return [p for _, p in sorted(fitting, key=lambda pair: pair[0])], unpriced


_COUNT = re.compile(r"^\s*(?:(\d{1,6})\b|(a|an|one|single|1)\s+(?!pair\b|set\b|pack\b|box\b|lot\b|batch\b|"
                    r"dozen\b|couple\b|few\b|number\b)\w)", re.IGNORECASE)


def items_in(promise: str | None) -> int | None:
    """How many items a promise is for, when it says so plainly at its start ("12 office chairs" -> 12,
    "a sofa" / "one sofa" -> 1); None when it doesn't ("the Leeds order", "a set of chairs")."""
    match = _COUNT.match(promise or "")
    if match is None:
        return None
    return int(match.group(1)) if match.group(1) else 1
