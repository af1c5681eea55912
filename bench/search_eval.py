"""The labelled query set (tests/data/knowledge_queries.yaml) and recall@5, for the test and the benchmark."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

from bot.knowledge.backends import Filters
from bot.knowledge.query import ParsedQuery

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "knowledge_queries.yaml"


@dataclass(frozen=True)
class Labelled:
    entries: dict[str, tuple[str, str]]           # name -> (text, cause)
    queries: list[tuple[str, tuple[str, ...], str]]  # (query, expected names, kind)


def load_labelled(path: Path = LABELLED) -> Labelled:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = {name: (e["text"], e["cause"]) for name, e in data["entries"].items()}
    queries = [(q["q"], tuple(q["expect"]), q["kind"]) for q in data["queries"]]
    return Labelled(entries, queries)


def filters_of(parsed: ParsedQuery) -> Filters:
    return Filters(cause=parsed.cause, after=parsed.after, before=parsed.before)


def recall_at_5(labelled: Labelled, top5: Callable[[str], list[str]]) -> tuple[float, list[str]]:
    """Share of queries with an expected entry in the top 5 (by name), and the queries missed."""
    missed = [q for q, expected, _ in labelled.queries if not set(expected) & set(top5(q))]
    return 1 - len(missed) / len(labelled.queries), missed


def naive_top5(query_text: str, cause: str | None, texts: list[str], causes: list[str], names: list[str | None]
               ) -> list[str]:
    """The baseline: rapidfuzz partial_ratio against every entry (within the cause filter)."""
    choices = {i: t for i, t in enumerate(texts) if cause is None or causes[i] == cause}
    found = process.extract(query_text, choices, scorer=fuzz.partial_ratio, limit=5)
    return [names[i] or "" for _, _, i in found]
