"""The tone check: hints on a draft, never a block (domain code, no Slack).

Rules are data, one file per language (`tone_rules.yaml` for the base language, English;
`tone_rules.es.yaml` for Spanish messages, and so on; each language's file stands alone, as its phrases
do), in each template folder: the shipped one in message_templates/, and
optionally the team's, whose rules add to the shipped ones, replace one with the same id, or switch one
off with `disable: [id, ...]`). Four kinds of rule:

* `phrases` (the default) - a hint for each phrase or pattern found, e.g. "guaranteed".
* `missing` - a hint when none of the phrases or patterns appears (no choice offered, no date).
* `order` - a hint when the first `find` comes before the first `after` (or there is no `after`):
  an apology before any solution.
* `length` - a hint when the text is longer than `max_chars` for the channel (an SMS split into two
  marked parts, see sms.py: when either part is).

Phrases match whole words in any case, across line breaks, with straight or curly apostrophes. Patterns
are Python regular expressions (case-insensitive); `{case_prefix}` stands for the team's case prefix so
internal references like AM-42 can be caught. `channels` and `templates` limit where a rule applies
(default: every customer channel, every template).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from bot.datafile import read_yaml, validation_problems
from bot.drafting import sms
from bot.drafting.templates import BASE_LANGUAGE, CUSTOMER_CHANNELS, Channel
from bot.errors import ConfigError

RULES_FILE = "tone_rules.yaml"
MAX_EXCERPTS = 3
MAX_TEXT = 20_000  # the tone check reads at most this much of a text

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,40}$")]
Phrase = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Pattern = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class RuleKind(StrEnum):
    PHRASES = "phrases"
    MISSING = "missing"
    ORDER = "order"
    LENGTH = "length"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Words(_Strict):
    phrases: tuple[Phrase, ...] = ()
    patterns: tuple[Pattern, ...] = ()

    @field_validator("patterns")
    @classmethod
    def _valid(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern.replace("{case_prefix}", "AM"))
            except re.error as err:
                raise ValueError(f"{pattern!r} is not a valid regular expression: {err}") from None
        return patterns


class ToneRule(_Strict):
    id: RuleId
    label: str = Field(min_length=1, max_length=80)
    advice: str = Field(min_length=1, max_length=400)
    kind: RuleKind = RuleKind.PHRASES
    find: Words = Words()
    after: Words = Words()
    max_chars: dict[Channel, int] = Field(default_factory=dict)
    channels: tuple[Channel, ...] = ()
    templates: tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,40}$")], ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> ToneRule:
        if self.kind is RuleKind.LENGTH:
            if not self.max_chars:
                raise ValueError("a length rule needs max_chars, e.g. {sms: 320}")
            if any(limit < 1 for limit in self.max_chars.values()):
                raise ValueError("max_chars must be positive")
        elif not (self.find.phrases or self.find.patterns):
            raise ValueError("the rule needs find: with phrases or patterns")
        if self.kind is RuleKind.ORDER and not (self.after.phrases or self.after.patterns):
            raise ValueError("an order rule needs after: with phrases or patterns")
        return self


class RulesFile(_Strict):
    rules: tuple[ToneRule, ...] = ()
    disable: tuple[RuleId, ...] = ()


@dataclass(frozen=True)
class ToneHint:
    rule: str
    label: str
    advice: str
    excerpts: tuple[str, ...] = ()  # the words that raised it, as written


@dataclass(frozen=True)
class _Compiled:
    rule: ToneRule
    find: re.Pattern[str] | None
    after: re.Pattern[str] | None

    def applies(self, channel: Channel, template: str | None) -> bool:
        channels = self.rule.channels or CUSTOMER_CHANNELS
        if channel not in channels:
            return False
        return not self.rule.templates or template in self.rule.templates


def phrase_pattern(phrase: str) -> str:
    words = [re.escape(w) for w in phrase.replace("’", "'").split()]
    return r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)"


def _compile(words: Words, case_prefix: str) -> re.Pattern[str] | None:
    parts = [phrase_pattern(p) for p in words.phrases]
    parts += [p.replace("{case_prefix}", re.escape(case_prefix)) for p in words.patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE) if parts else None


def normalize(text: str) -> str:
    """Curly apostrophes read as straight ones; nothing else changes, so positions stay meaningful."""
    return text[:MAX_TEXT].replace("’", "'").replace("‘", "'")


class ToneRules:
    def __init__(self, rules: Sequence[ToneRule], *, case_prefix: str = "AM") -> None:
        self.rules = tuple(rules)
        self._compiled = [_Compiled(r, _compile(r.find, case_prefix), _compile(r.after, case_prefix))
                          for r in self.rules]

    def max_chars(self, channel: Channel) -> int | None:
        """The length rules' limit for `channel` (the smallest, when several rules set one)."""
        limits = [r.max_chars[channel] for r in self.rules if r.kind is RuleKind.LENGTH and channel in r.max_chars]
        return min(limits) if limits else None

    def check(self, text: str, *, channel: Channel, template: str | None = None) -> list[ToneHint]:
        """Hints for `text` as it would be sent on `channel`, in rule order; empty when it reads well."""
        text = normalize(text)
        hints = []
        for compiled in self._compiled:
            if compiled.applies(channel, template):
                hint = _apply(compiled, text, channel)
                if hint is not None:
                    hints.append(hint)
        return hints


def _apply(compiled: _Compiled, text: str, channel: Channel) -> ToneHint | None:
    rule = compiled.rule

    def hint(excerpts: Iterable[str] = ()) -> ToneHint:
        return ToneHint(rule.id, rule.label, rule.advice, tuple(excerpts))

    if rule.kind is RuleKind.LENGTH:
        limit = rule.max_chars.get(channel)
        longest = max(len(part) for part in (sms.parts(text) if channel is Channel.SMS else [text]))
        if limit is not None and longest > limit:
            return hint([f"{longest} characters; aim for {limit} or fewer"])
        return None
    assert compiled.find is not None
    if rule.kind is RuleKind.MISSING:
        return None if compiled.find.search(text) else hint()
    if rule.kind is RuleKind.ORDER:
        first = compiled.find.search(text)
        if first is None:
            return None
        assert compiled.after is not None
        before = compiled.after.search(text)
        return hint([first.group(0)]) if before is None or first.start() < before.start() else None
    excerpts: list[str] = []
    for match in compiled.find.finditer(text):
        words = " ".join(match.group(0).split())
        if words.lower() not in (e.lower() for e in excerpts):
            excerpts.append(words)
        if len(excerpts) == MAX_EXCERPTS:
            break
    return hint(excerpts) if excerpts else None


# ---------------------------------------------------------------------- loading


def rules_file(language: str = BASE_LANGUAGE) -> str:
    return RULES_FILE if language == BASE_LANGUAGE else f"tone_rules.{language}.yaml"


def load_rules(folders: Sequence[Path], *, case_prefix: str = "AM", language: str = BASE_LANGUAGE) -> ToneRules:
    """Rules from each folder's tone rules file for `language` (later folders add, replace by id, or disable).

    Raises ConfigError listing every problem with its file and line.
    """
    merged: dict[str, ToneRule] = {}
    problems: list[str] = []
    for folder in folders:
        path = Path(folder) / rules_file(language)
        if not path.exists():
            continue
        try:
            doc = read_yaml(path)
        except ConfigError as exc:
            problems += exc.problems
            continue
        try:
            data = RulesFile.model_validate({} if doc.data is None else doc.data)
        except ValidationError as exc:
            problems += validation_problems(doc, exc)
            continue
        seen: set[str] = set()
        for index, rule in enumerate(data.rules):
            if rule.id in seen:
                problems.append(doc.problem(("rules", index, "id"), f"rule id {rule.id!r} is used twice"))
            seen.add(rule.id)
            merged[rule.id] = rule
        for index, rule_id in enumerate(data.disable):
            if rule_id not in merged:
                problems.append(doc.problem(("disable", index), f"there is no rule {rule_id!r} to disable"))
            merged.pop(rule_id, None)
    if problems:
        raise ConfigError(problems)
    return ToneRules(list(merged.values()), case_prefix=case_prefix)
