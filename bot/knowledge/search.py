"""Search: expand the query, fetch a capped candidate set with full text, rerank it with rapidfuzz.

1. Each query word becomes a group of alternatives: the word as typed, its synonyms, and - when the index
   hardly knows it - the vocabulary words it is probably a typo of (vocabulary.corrections).
2. Candidates come from the database's full-text index, never from a scan of every entry: the whole
   query as a phrase, then every group (AND); when that finds fewer than ENOUGH, any group (OR). Each
   step is capped at CANDIDATES, best-first by the engine's own relevance.
3. The candidates are reranked here: the exact phrase first, then the share of query words found (as
   typed 1, synonym 0.9, correction 0.8), then words found in the title, then rapidfuzz partial_ratio
   for the words not found (catching what full text can't, e.g. "deliv" in "delivery"), and recency as
   the tie-breaker.

See README ("Best-practices search") for the measurements behind these choices.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.knowledge.backends import Alternative, Filters, FullText, Group, full_text_for, latest
from bot.knowledge.models import Entry
from bot.knowledge.query import ParsedQuery
from bot.knowledge.synonyms import Synonyms
from bot.knowledge.text import STOPWORDS, fold, stem
from bot.knowledge.vocabulary import MemorySpeller, Speller, TrigramSpeller, corrections, trigram_status

CANDIDATES = 200
ENOUGH = 20
SYNONYM_WEIGHT = 0.9
CORRECTION_WEIGHT = 0.8


@dataclass(frozen=True)
class Hit:
    entry: Entry
    matched: frozenset[str]  # stems of the words that matched, for highlighting
    exact: bool              # every query word found as typed


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int                       # results found (up to the candidate cap)
    offset: int
    upto_id: int | None              # pass back for the next page
    corrected: dict[str, str] = field(default_factory=dict)  # typed word -> word searched instead


@dataclass(frozen=True)
class _Scored:
    entry_id: int
    key: tuple[float, ...]
    matched: frozenset[str]
    exact: bool


class SearchEngine:
    def __init__(self, full_text: FullText, speller: Speller, synonyms: Synonyms) -> None:
        self.full_text = full_text
        self.speller = speller
        self.synonyms = synonyms

    @classmethod
    def for_session(cls, session: Session, synonyms: Synonyms) -> tuple[SearchEngine, str]:
        """The engine for this database, and a sentence on how typo correction runs (for logs and status)."""
        dialect = session.get_bind().dialect.name
        speller: Speller = MemorySpeller()
        note = "typo correction uses the in-process vocabulary"
        if dialect == "postgresql":
            schema, note = trigram_status(session)
            if schema is not None:
                speller = TrigramSpeller(schema)
        return cls(full_text_for(dialect), speller, synonyms), note

    # ------------------------------------------------------------------ the query

    def expand(self, session: Session, query: ParsedQuery) -> tuple[list[Group], dict[str, str]]:
        words = list(query.words)
        meaningful = [w for w in words if w not in STOPWORDS]
        # A word with synonyms is a word someone meant, not a typo ("loaner" is not "toner").
        fixes = corrections(self.speller, session, [w for w in meaningful if not self.synonyms.of((w,))])
        groups: list[Group] = []
        i = 0
        while i < len(words):
            size = self.synonyms.longest_at(words, i)
            typed = tuple(words[i:i + max(size, 1)])
            i += max(size, 1)
            if size <= 1 and typed[0] in STOPWORDS and meaningful:
                continue
            alternatives = [Alternative(typed, 1.0, "typed")]
            alternatives += [Alternative(s, SYNONYM_WEIGHT, "synonym") for s in self.synonyms.of(typed)]
            for fix in fixes.get(typed[0], []) if size <= 1 else []:
                alternatives.append(Alternative((fix.term,), CORRECTION_WEIGHT, "correction"))
                alternatives += [Alternative(s, CORRECTION_WEIGHT * SYNONYM_WEIGHT, "synonym")
                                 for s in self.synonyms.of((fix.term,))]
            groups.append(Group(typed, tuple(dict.fromkeys(alternatives))))
        for phrase in query.phrases:
            alternatives = [Alternative(phrase, 1.0, "typed")]
            alternatives += [Alternative(s, SYNONYM_WEIGHT, "synonym") for s in self.synonyms.of(phrase)]
            groups.append(Group(phrase, tuple(alternatives)))
        unique = list({g.typed: g for g in groups}.values())
        return unique, {word: found[0].term for word, found in fixes.items()}

    # ------------------------------------------------------------------ searching

    def search(self, session: Session, query: ParsedQuery, filters: Filters, *, offset: int = 0,
               limit: int = 5) -> SearchPage:
        if filters.upto_id is None:
            newest = session.scalar(select(Entry.id).order_by(Entry.id.desc()).limit(1))
            filters = replace(filters, upto_id=newest or 0)
        groups, corrected = self.expand(session, query)
        if not groups:
            ids = latest(session, filters, CANDIDATES)
            return self._page(session, [_Scored(i, (), frozenset(), True) for i in ids], offset, limit, filters,
                              corrected)
        ranked = self.rank(session, groups, self.candidates(session, groups, filters))
        return self._page(session, ranked, offset, limit, filters, corrected)

    def candidates(self, session: Session, groups: Sequence[Group], filters: Filters) -> list[int]:
        found: list[int] = []
        typed = [w for g in groups for w in g.typed]
        if len(groups) > 1 and len(typed) <= 8:
            phrase = Group(tuple(typed), (Alternative(tuple(typed), 1.0, "typed"),))
            found += self.full_text.match(session, [phrase], mode="all", filters=filters, limit=CANDIDATES)
        more = replace(filters, exclude_ids=tuple(found)) if found else filters
        found += self.full_text.match(session, groups, mode="all", filters=more, limit=CANDIDATES)
        if len(found) < ENOUGH and len(groups) > 1:
            more = replace(filters, exclude_ids=tuple(found))
            found += self.full_text.match(session, groups, mode="any", filters=more, limit=CANDIDATES)
        return found

    def rank(self, session: Session, groups: Sequence[Group], ids: list[int]) -> list[_Scored]:
        if not ids:
            return []
        rows = session.execute(select(Entry.id, Entry.index_title, Entry.index_body, Entry.posted_at)
                               .where(Entry.id.in_(ids))).all()
        return sorted((score(groups, *row) for row in rows), key=lambda s: s.key, reverse=True)

    def _page(self, session: Session, ranked: list[_Scored], offset: int, limit: int, filters: Filters,
              corrected: dict[str, str]) -> SearchPage:
        shown = ranked[offset:offset + limit]
        entries = {e.id: e for e in session.scalars(select(Entry).where(Entry.id.in_([s.entry_id for s in shown])))}
        hits = [Hit(entries[s.entry_id], s.matched, s.exact) for s in shown if s.entry_id in entries]
        return SearchPage(hits, len(ranked), offset, filters.upto_id, corrected)


def score(groups: Sequence[Group], entry_id: int, title: str, body: str, posted_at: datetime) -> _Scored:
    """How well one candidate answers the query; a larger key ranks first (see module docs)."""
    text = f" {title} {body} "
    typed_words = [w for g in groups for w in g.typed]
    phrase = len(typed_words) > 1 and f" {' '.join(typed_words)} " in text
    phrase = phrase or any(len(g.typed) > 1 and f" {' '.join(g.typed)} " in text for g in groups)
    cover = title_cover = fuzzy = 0.0
    exact = True
    matched: set[str] = set()
    for group in groups:
        best = 0.0
        for alt in group.alternatives:
            if _found(alt.words, text):
                if alt.weight > best:
                    best = alt.weight
                matched.update(stem(w) for w in alt.words)
                if _found(alt.words, f" {title} "):
                    title_cover += alt.weight / len(groups)
        exact = exact and best == 1.0
        cover += best
        typed = " ".join(group.typed)
        fuzzy += 100.0 if best else fuzz.partial_ratio(typed, text, score_cutoff=60) if len(typed) > 3 else 0.0
    n = len(groups)
    key = (float(phrase), round(cover / n, 2), round(min(title_cover, 1.0), 1), round(fuzzy / n / 10),
           posted_at.timestamp(), float(entry_id))
    return _Scored(entry_id, key, frozenset(matched), exact)


@functools.lru_cache(maxsize=4096)
def _word_form(word: str) -> re.Pattern[str]:
    """The word or another form of it (same light stem, a short ending): deliver, delivery, deliveries."""
    return re.compile(r"(?<![a-z0-9])" + re.escape(stem(word)) + r"[a-z]{0,5}(?![a-z0-9])")


def _found(words: tuple[str, ...], text: str) -> bool:
    if len(words) == 1:
        return _word_form(words[0]).search(text) is not None
    return f" {' '.join(words)} " in text


_WORD = re.compile(r"\w+")


def snippet(body: str, matched: frozenset[str], *, width: int = 220) -> list[tuple[str, bool]]:
    """A window of `body` around the first matched word, as (text, is_match) pieces, for highlighting."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(body) if stem(fold(m.group())) in matched]
    start = 0
    if spans and spans[0][0] > width // 3:
        start = body.rfind(" ", 0, spans[0][0] - width // 4) + 1
    end = min(len(body), start + width)
    if end < len(body):
        cut = body.rfind(" ", start, end)
        end = cut if cut > start else end
    pieces: list[tuple[str, bool]] = [("…", False)] if start else []
    cursor = start
    for s, e in spans:
        if s < start or e > end:
            continue
        if s > cursor:
            pieces.append((body[cursor:s], False))
        pieces.append((body[s:e], True))
        cursor = e
    if cursor < end:
        pieces.append((body[cursor:end], False))
    if end < len(body):
        pieces.append(("…", False))
    return pieces
