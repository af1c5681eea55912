"""Correcting query words against the index vocabulary (`knowledge_terms`).

A word typed in a hurry ("delivry") is compared with the words the index holds, never with the entries
themselves: the vocabulary grows far slower than the entries (about 120k words for 1M synthetic entries,
see README), so this stays in milliseconds. Two spellers, same answers:

* `TrigramSpeller` (PostgreSQL with pg_trgm): the trigram GIN index finds look-alike words in the
  database, so every replica sees new words at once.
* `MemorySpeller` (SQLite, or PostgreSQL without pg_trgm): the vocabulary lives in the process, bucketed
  by length and first or last letter, and rapidfuzz's optimal-string-alignment distance (a swapped pair
  of letters counts as one typo) scans only the buckets a typo could reach. New words are picked up on
  every correction by reading the rows added since the last one; the copy's counts (used to order
  suggestions) are refreshed in full every few minutes, while `counts` always reads the table.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.knowledge.models import Term

# Words shorter than this are never corrected: "cot" is as likely meant as "cat".
MIN_CORRECTABLE = 4
# A word the index holds this many times is taken as meant.
KNOWN_AT = 3
MAX_SUGGESTIONS = 3
FULL_RELOAD_SECONDS = 300.0
TRIGRAM_CANDIDATES = 40


def max_typos(word: str) -> int:
    return 1 if len(word) <= 5 else 2


@dataclass(frozen=True)
class Suggestion:
    term: str
    distance: int
    entries: int


class Speller(Protocol):
    name: str

    def counts(self, session: Session, words: Iterable[str]) -> dict[str, int]:
        """How many entries hold each word (0 when none)."""
        ...

    def suggest(self, session: Session, word: str) -> list[Suggestion]:
        """Words of the vocabulary within `max_typos(word)` edits of `word`, closest and commonest first."""
        ...


def corrections(speller: Speller, session: Session, words: list[str]) -> dict[str, list[Suggestion]]:
    """For each query word that looks mistyped, the words probably meant (most likely first)."""
    wanted = [w for w in dict.fromkeys(words) if len(w) >= MIN_CORRECTABLE and w.isalpha()]
    if not wanted:
        return {}
    known = speller.counts(session, wanted)
    fixes: dict[str, list[Suggestion]] = {}
    for word in wanted:
        seen = known.get(word, 0)
        if seen >= KNOWN_AT:
            continue
        # A rare word is kept, and a much commoner look-alike offered beside it (a typo others made too).
        found = [s for s in speller.suggest(session, word) if s.term != word and s.entries > max(seen * 5, 0)]
        if not found:
            continue
        best = min(s.distance for s in found)
        fixes[word] = [s for s in found if s.distance == best][:MAX_SUGGESTIONS]
    return fixes


def _counts(session: Session, words: Iterable[str]) -> dict[str, int]:
    words = list(words)
    rows = session.execute(select(Term.term, Term.entries).where(Term.term.in_(words))).all() if words else []
    found = {term: max(entries, 0) for term, entries in rows}
    return {w: found.get(w, 0) for w in words}


def _rank(found: list[Suggestion]) -> list[Suggestion]:
    return sorted(found, key=lambda s: (s.distance, -s.entries, s.term))


class MemorySpeller:
    name = "in-process vocabulary"

    def __init__(self, *, full_reload_seconds: float = FULL_RELOAD_SECONDS) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, int] = {}
        # Words by (length, first letter) and by (length, last letter): a word within two typos of another
        # keeps its first or its last letter unless both ends were mistyped, so a query word is compared
        # with those two buckets of each nearby length, not the whole vocabulary (at 1M synthetic entries,
        # 125k words: 3 ms instead of 25 ms a word).
        self._by_first: dict[tuple[int, str], list[str]] = {}
        self._by_last: dict[tuple[int, str], list[str]] = {}
        self._last_id = 0
        self._loaded_at = 0.0
        self._reload_every = full_reload_seconds

    def refresh(self, session: Session) -> None:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._reload_every:
                self._entries, self._by_first, self._by_last, self._last_id = {}, {}, {}, 0
                self._loaded_at = time.monotonic()
            rows = session.execute(select(Term.id, Term.term, Term.entries).where(Term.id > self._last_id)
                                   .order_by(Term.id)).all()
            for term_id, term, entries in rows:
                if term not in self._entries:
                    self._by_first.setdefault((len(term), term[0]), []).append(term)
                    self._by_last.setdefault((len(term), term[-1]), []).append(term)
                self._entries[term] = entries
                self._last_id = max(self._last_id, term_id)

    def counts(self, session: Session, words: Iterable[str]) -> dict[str, int]:
        """Read from the table, not the copy in memory: a word's count changes with every entry holding it
        (the copy only learns new words between full reloads, which is enough for suggestions)."""
        return _counts(session, words)

    def suggest(self, session: Session, word: str) -> list[Suggestion]:
        self.refresh(session)
        limit = max_typos(word)
        distances: dict[str, int] = {}
        for length in range(len(word) - limit, len(word) + limit + 1):
            for bucket in (self._by_first.get((length, word[0])), self._by_last.get((length, word[-1]))):
                for term, distance, _ in process.extract(word, bucket or (), scorer=OSA.distance,
                                                         score_cutoff=limit, limit=None):
                    distances[term] = int(distance)
        found = [Suggestion(term, distance, self._entries.get(term, 0)) for term, distance in distances.items()]
        return _rank([s for s in found if s.entries > 0])


class TrigramSpeller:
    name = "pg_trgm"

    def __init__(self, schema: str) -> None:
        quoted = '"' + schema.replace('"', '""') + '"'
        self._similar = text(
            f"SELECT term, entries FROM knowledge_terms WHERE term OPERATOR({quoted}.%) :word "
            f"AND length(term) BETWEEN :shortest AND :longest AND entries > 0 "
            f"ORDER BY {quoted}.similarity(term, :word) DESC LIMIT :limit")

    def counts(self, session: Session, words: Iterable[str]) -> dict[str, int]:
        return _counts(session, words)

    def suggest(self, session: Session, word: str) -> list[Suggestion]:
        limit = max_typos(word)
        # The default threshold (0.3) misses swapped letters in short words: chiars/chairs share 3 of 11.
        session.execute(SIMILARITY_THRESHOLD)
        rows = session.execute(self._similar, {"word": word, "shortest": len(word) - limit,
                                               "longest": len(word) + limit, "limit": TRIGRAM_CANDIDATES}).all()
        found = []
        for term, entries in rows:
            distance = OSA.distance(word, term, score_cutoff=limit)
            if distance <= limit:
                found.append(Suggestion(term, distance, entries))
        return _rank(found)


SIMILARITY_THRESHOLD = text("SELECT set_config('pg_trgm.similarity_threshold', '0.2', true)")
TRGM_SCHEMA = text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
TRGM_INDEX = text("SELECT 1 FROM pg_indexes WHERE tablename = 'knowledge_terms' "
                  "AND indexname = 'ix_knowledge_terms_trgm' AND schemaname = current_schema()")


def trigram_status(session: Session) -> tuple[str | None, str]:
    """(the pg_trgm schema when the trigram speller can run, else None; a sentence for operators)."""
    schema = session.scalar(TRGM_SCHEMA)
    if schema is None:
        return None, ("pg_trgm is not installed, so typo correction runs in the bot's process. To move it into "
                      "PostgreSQL, have a database owner run: CREATE EXTENSION pg_trgm; "
                      "CREATE INDEX ix_knowledge_terms_trgm ON knowledge_terms USING gin (term gin_trgm_ops);")
    if session.scalar(TRGM_INDEX) is None:
        return None, (f"pg_trgm is installed (schema {schema}) but the vocabulary has no trigram index, so typo "
                      f"correction runs in the bot's process. Create it with: CREATE INDEX ix_knowledge_terms_trgm "
                      f'ON knowledge_terms USING gin (term "{schema}".gin_trgm_ops);')
    return schema, f"typo correction uses pg_trgm (schema {schema})"
