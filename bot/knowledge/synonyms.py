"""Synonym groups: a data file (bot/knowledge/synonyms.yaml, plus a team's own) with a schema and checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.datafile import load_model
from bot.knowledge.text import normalize

SHIPPED_SYNONYMS = Path(__file__).with_name("synonyms.yaml")
MAX_PHRASE = 3


class SynonymFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    groups: tuple[tuple[str, ...], ...] = Field(default=())

    @field_validator("groups")
    @classmethod
    def _groups(cls, groups: tuple[tuple[str, ...], ...]) -> tuple[tuple[str, ...], ...]:
        for number, group in enumerate(groups, 1):
            members = [normalize(m) for m in group]
            if len(set(members)) < 2:
                raise ValueError(f"group {number} needs at least two different members")
            for member in members:
                if not member or len(member.split()) > MAX_PHRASE:
                    raise ValueError(f"group {number}: members are 1 to {MAX_PHRASE} words ({member!r})")
        return groups


@dataclass(frozen=True)
class Synonyms:
    """member (normalised words) -> the other members of its groups."""

    table: dict[tuple[str, ...], tuple[tuple[str, ...], ...]]

    @classmethod
    def from_groups(cls, groups: Sequence[Sequence[str]]) -> Synonyms:
        table: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
        for group in groups:
            members = list(dict.fromkeys(tuple(normalize(m).split()) for m in group))
            for member in members:
                others = table.setdefault(member, [])
                others.extend(m for m in members if m != member and m not in others)
        return cls({member: tuple(others) for member, others in table.items()})

    def words(self) -> set[str]:
        """Every word of every member."""
        return {w for member in self.table for w in member}

    def of(self, words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
        return self.table.get(words, ())

    def longest_at(self, tokens: Sequence[str], start: int) -> int:
        """How many tokens from `start` form a known member (longest first); 0 when none."""
        for size in range(min(MAX_PHRASE, len(tokens) - start), 0, -1):
            if tuple(tokens[start:start + size]) in self.table:
                return size
        return 0


def load_synonyms(extra: Path | None = None) -> Synonyms:
    """The shipped groups plus a team's own file (ConfigError with file:line on a problem)."""
    groups = list(load_model(SHIPPED_SYNONYMS, SynonymFile).groups)
    if extra is not None:
        groups += load_model(extra, SynonymFile, empty_ok=True).groups
    return Synonyms.from_groups(groups)
