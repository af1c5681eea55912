"""Correcting query words against the index vocabulary (`knowledge_terms`).

A word typed in a hurry ("delivry") is compared with the words the index holds, never with the entries
themselves: the vocabulary grows far slower than the entries (about 125k words for 1M synthetic entries,
see README), so this stays in milliseconds.

The vocabulary lives in each process (`Speller`), bucketed by length and first or last letters, and
rapidfuzz's optimal-string-alignment distance (a swapped pair of letters counts as one typo) scans only
the buckets a typo could reach - words one typo away first, from smaller buckets, and two typos away only
when there are none: about 1 ms a word at 1M entries, on either database. Every search's first statement
also reads the words added since the last one (first_reading), so every replica learns them; how many
entries hold each suggestion (to order them, and to drop words no entry holds any more) is read from the
table, so the copy never needs reloading. (PostgreSQL's pg_trgm was tried for this and dropped:
at 1M entries its trigram index took 20-35 ms a word, most of the search budget, because look-alike words
share many trigrams.)

The table also counts the entries of each filter word (text.counted_facet), which the search uses to
estimate how many entries a filtered query matches; those rows are not words and are never suggested.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.db import one_of
from bot.knowledge.models import Entry, Term

# Words shorter than this are never corrected: "cot" is as likely meant as "cat".
MIN_CORRECTABLE = 4
# A word the index holds this many times is taken as meant.
KNOWN_AT = 3
MAX_SUGGESTIONS = 3


def max_typos(word: str) -> int:
    return 1 if len(word) <= 5 else 2


@dataclass(frozen=True)
class Suggestion:
    term: str
    distance: int
    entries: int


def corrections(speller: Speller, session: Session, words: list[str],
                memo: dict[str, int] | None = None) -> dict[str, list[Suggestion]]:
    """For each query word that looks mistyped, the words probably meant (most likely first). `memo`: see
    Speller.counts."""
    wanted = [w for w in dict.fromkeys(words) if len(w) >= MIN_CORRECTABLE and w.isalpha()]
    if not wanted:
        return {}
    known = speller.counts(session, wanted, memo)
    fixes: dict[str, list[Suggestion]] = {}
    for word in wanted:
        seen = known.get(word, 0)
        if seen >= KNOWN_AT:
            continue
        # A rare word is kept, and a much commoner look-alike offered beside it (a typo others made too).
        found = speller.suggest(session, word, memo, more_than=seen * 5)
        if found:
            fixes[word] = found[:MAX_SUGGESTIONS]
    return fixes


Buckets = dict[tuple[int, str], list[str]]  # (length, first or last letters) -> words
_TERMS = Term.__table__.c


@functools.cache
def _counting(dialect: str) -> Select[Any]:
    """How many entries hold each of :words."""
    return select(_TERMS.term, _TERMS.entries).where(one_of(_TERMS.term, None, dialect, name="words"))


@functools.cache
def _first_reading(dialect: str) -> Select[Any]:
    """The newest entry's id, with the counts of :words and the vocabulary's words after :last_id."""
    newest = select(func.max(Entry.__table__.c.id).label("id")).subquery("newest")
    wanted = or_(one_of(_TERMS.term, None, dialect, name="words"), _TERMS.id > bindparam("last_id"))
    return (select(newest.c.id, _TERMS.id, _TERMS.term, _TERMS.entries)
            .select_from(newest.outerjoin(Term.__table__, wanted)))


def _remember(memo: dict[str, int], words: list[str], counted: Iterable[tuple[str | None, int | None]]) -> None:
    """Add the counts of `words` to `memo` from (term, entries) rows, 0 for a word with none."""
    wanted = set(words)
    found = {term: max(entries or 0, 0) for term, entries in counted if term in wanted}
    memo.update((w, found.get(w, 0)) for w in words)


def _rank(found: list[Suggestion]) -> list[Suggestion]:
    return sorted(found, key=lambda s: (s.distance, -s.entries, s.term))


class Speller:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: set[str] = set()
        # Words by (length, first n letters) and by (length, last n letters), for n = 2 and 3. One typo leaves
        # a word's first two or its last two letters as they were, and two typos do unless one is at each
        # end, so a query word is compared with those two buckets of each nearby length, not the whole
        # vocabulary (at 1M synthetic entries, 125k words: about 1,000 words instead of 24,000). One typo in a
        # word of 7 letters or more leaves its first three or its last three: a tenth of the words again
        # where many words start alike (14,600 words for "bribritael" by two letters).
        self._by_ends: dict[int, tuple[Buckets, Buckets]] = {n: ({}, {}) for n in (2, 3)}
        self._last_id = 0

    def refresh(self, session: Session) -> None:
        """Learn the words added since the last call. Only words are kept, never their counts, which
        change with every entry: suggestions read theirs from the table."""
        rows = session.execute(select(Term.id, Term.term).where(Term.id > self._last_id).order_by(Term.id)).all()
        self._learn(rows)

    def _learn(self, rows: Sequence[tuple[int, str]]) -> None:
        with self._lock:
            for term_id, term in rows:
                # Known already, or not a word (a filter's count).
                if term_id <= self._last_id or term in self._known or not term.isalpha():
                    continue
                self._known.add(term)
                for n, (by_first, by_last) in self._by_ends.items():
                    by_first.setdefault((len(term), term[:n]), []).append(term)
                    by_last.setdefault((len(term), term[-n:]), []).append(term)
            self._last_id = max([self._last_id, *(term_id for term_id, _ in rows)])

    def counts(self, session: Session, words: Iterable[str], memo: dict[str, int] | None = None) -> dict[str, int]:
        """How many entries hold each word (0 when none). `memo`: the counts already read for this search,
        to which the words read now are added (one search asks in three places, one statement each)."""
        words = list(dict.fromkeys(words))
        memo = {} if memo is None else memo
        missing = [w for w in words if w not in memo]
        if missing:
            dialect = session.get_bind().dialect.name
            _remember(memo, missing, session.execute(_counting(dialect), {"words": missing}))
        return {w: memo[w] for w in words}

    def first_reading(self, session: Session, words: Iterable[str], memo: dict[str, int]) -> int:
        """A search's first read, in one statement (each round trip to PostgreSQL is about half a
        millisecond here, a twentieth of a search): the newest entry's id, which it returns - the search
        pins its results to it, and it is about how many entries the counts are out of - the counts of
        `words`, added to `memo` as in counts(), and the words indexed since the last read, learned."""
        words = [w for w in dict.fromkeys(words) if w not in memo]
        dialect = session.get_bind().dialect.name
        rows = session.execute(_first_reading(dialect), {"words": words, "last_id": self._last_id}).all()
        _remember(memo, words, ((term, entries) for _, _, term, entries in rows))
        self._learn([(term_id, term) for _, term_id, term, _ in rows if term_id is not None])
        return int(rows[0][0] or 0)

    def suggest(self, session: Session, word: str, memo: dict[str, int] | None = None, *,
                more_than: int = 0) -> list[Suggestion]:
        """The words of the vocabulary closest to `word` (within `max_typos(word)` edits, never `word`
        itself) that more than `more_than` entries hold, commonest first, of the words known at the last
        refresh() or first_reading(). One typo away is looked at first: when such a word is there, none two
        typos away would be offered."""
        for typos in range(1, max_typos(word) + 1):
            distances = self._within(word, typos)
            distances.pop(word, None)
            counts = self.counts(session, distances, memo)
            found = [Suggestion(term, distance, counts[term]) for term, distance in distances.items()
                     if counts[term] > more_than]
            if found:
                closest = min(s.distance for s in found)
                return _rank([s for s in found if s.distance == closest])
        return []

    def _within(self, word: str, typos: int) -> dict[str, int]:
        """Words at most `typos` edits from `word`, from the buckets a word that close must be in."""
        letters = 3 if typos == 1 and len(word) >= 7 else 2
        first, last = self._by_ends[letters]
        distances: dict[str, int] = {}
        for length in range(len(word) - typos, len(word) + typos + 1):
            for bucket in (first.get((length, word[:letters])), last.get((length, word[-letters:]))):
                for term, distance, _ in process.extract(word, bucket or (), scorer=OSA.distance,
                                                         score_cutoff=typos, limit=None):
                    distances[term] = int(distance)
        return distances
