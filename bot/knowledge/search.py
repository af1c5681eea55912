"""Search: expand the query, fetch a capped candidate set with full text, rerank it with rapidfuzz.

1. Each query word becomes a group of alternatives: the word as typed, its synonyms, and - when the index
   hardly knows it - the vocabulary words it is probably a typo of (vocabulary.corrections).
2. Candidates come from the database's full-text index, never from a scan of every entry: every group
   (AND) - and when more than the cap match, first the whole query as a phrase and every word as typed;
   when fewer than ENOUGH match, all groups but one, then each group alone (OR). CANDIDATES caps them
   all together, and each query takes its newest matches, so its cost does not grow with how many
   entries match (backends.py).
3. The candidates are reranked here: the exact phrase first, then the share of query words found (as
   typed 1, synonym 0.9, correction 0.8), then words found in the title, then rapidfuzz partial_ratio
   for the words not found (catching what full text can't, e.g. "deliv" in "delivery"), and recency as
   the tie-breaker.

See README ("Best-practices search") for the measurements behind these choices.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.db import Database, one_of
from bot.knowledge.backends import (
    Alternative,
    Candidate,
    Estimate,
    Filters,
    FullText,
    Group,
    distinct_forms,
    full_text_for,
    latest,
)
from bot.knowledge.models import Entry
from bot.knowledge.query import ParsedQuery
from bot.knowledge.synonyms import Synonyms
from bot.knowledge.text import MIN_TERM, PINNED, STOPWORDS, counted_facet, display_word, fold, lexeme, stem
from bot.knowledge.vocabulary import Speller, corrections

log = logging.getLogger(__name__)

CANDIDATES = 50
POOL = 200  # matches of the whole query to look for narrower ones in, when they come at no extra cost
ENOUGH = 20
# A phrase query (only needed when more than CANDIDATES entries hold every word) reads every entry that
# holds all its words to check their positions; it is skipped when they are about more than this many
# (estimated from the words' counts, then measured by the whole query's matches). Each is a row read, up
# to 300 us when its page is not in memory; with PostgreSQL reading ahead (db._read_ahead), 1,000 put the
# 95th percentile at 1M entries after the page cache was dropped at 15.8-18.0 ms, 250 at 15.5-16.1, but
# 250 lost 4 of 400 searches their old exact phrases.
PHRASE_SCAN = 1_000
# An alternative in at most this share of the entries is rare enough to be fetched before the others.
RARE_SHARE = 0.01
MAX_PARTIAL_GROUPS = 4  # up to this many query words, also try every set of all words but one
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
    exact: bool


class SearchEngine:
    def __init__(self, full_text: FullText, speller: Speller, synonyms: Synonyms) -> None:
        self.full_text = full_text
        self.speller = speller
        self.synonyms = synonyms

    @classmethod
    def for_session(cls, session: Session, synonyms: Synonyms) -> tuple[SearchEngine, str]:
        """The engine for this database, and a sentence on how its full-text index is read (for logs)."""
        full_text, note = full_text_for(session)
        full_text.prepare(session, synonyms.words())
        full_text.warm(session)
        speller = Speller()
        speller.refresh(session)  # the vocabulary loads with the engine, not in the first search with a typo
        return cls(full_text, speller, synonyms), note

    # ------------------------------------------------------------------ the query

    def expand(self, session: Session, query: ParsedQuery,
               memo: dict[str, int] | None = None) -> tuple[list[Group], dict[str, str]]:
        words = list(query.words)
        meaningful = [w for w in words if w not in STOPWORDS]
        # A word with synonyms is a word someone meant, not a typo ("loaner" is not "toner").
        fixes = corrections(self.speller, session, [w for w in meaningful if not self.synonyms.of((w,))], memo)
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
        # Every count the search is likely to need (the words, their synonyms, the filters), in the statement
        # that pins the results to the newest entry (kept for the next pages).
        memo: dict[str, int] = {}
        typed = [*query.words, *(w for p in query.phrases for w in p)]
        likely = typed + [w for t in typed for synonym in self.synonyms.of((t,)) for w in synonym]
        newest = self.speller.first_reading(
            session, likely + [counted_facet(v) for vs in filters.facets() for v in vs], memo)
        if filters.upto_id is None:
            filters = replace(filters, upto_id=newest)
        groups, corrected = self.expand(session, query, memo)
        scorer = Scorer(groups)
        if not groups:
            ids = latest(session, filters, CANDIDATES)
            return self._page(session, [_Scored(i, (), True) for i in ids], offset, limit, filters, corrected, scorer)
        ranked = self.rank(scorer, self.candidates(session, groups, filters, memo))
        return self._page(session, ranked, offset, limit, filters, corrected, scorer)

    def candidates(self, session: Session, groups: Sequence[Group], filters: Filters,
                   memo: dict[str, int] | None = None) -> list[Candidate]:
        """At most CANDIDATES entries from the full-text index, each query capped and newest first.

        Every group (typed, synonym or correction) must match. When more than the cap do, the ones the
        rerank would put first may be older than the newest CANDIDATES, so narrower queries take a share
        each: the whole query as a phrase, every word as typed, only the rare synonyms and corrections;
        the newest of the rest fill up. A narrower query's newest matches are often among those of the
        whole query already (the engine says which as it reads them), and only older ones are queried
        for. (Run first, a narrow query that finds less than its limit reads every match, for nothing.)
        When fewer than ENOUGH match, entries with all groups but one, then each group on its own (each
        its share of what is left, so a rare word is not crowded out by a common one)."""
        found: list[Candidate] = []
        facets = filters.facets()
        counts = self.speller.counts(session, [w for g in groups for a in g.alternatives for w in a.words]
                                     + [counted_facet(v) for values in facets for v in values], memo)
        total = max(filters.upto_id or 0, 1)
        # The engines match word forms ("canceled" finds "cancel"), so a form counts as its whole family,
        # as PostgreSQL's English stemmer groups them ("apologize" with "apology", not with "apologise";
        # "backordered" with "backorder"). An estimate too low sends a common word to the index as if it
        # were rare, which then reads every entry holding it (measured: 0.6 s at 1M entries).
        family: Counter[str] = Counter()
        for word, seen in counts.items():
            family[lexeme(word)] += seen

        def held(words: tuple[str, ...]) -> float:
            """About how many entries hold these words (together, for a phrase), as if independent. A word
            the vocabulary doesn't count is rare (a number, an order reference) unless it is too short or
            too common to be counted at all."""
            share = 1.0
            for word in words:
                seen = family.get(lexeme(word), 0)
                if not seen and (word in STOPWORDS or len(word) < MIN_TERM):
                    seen = total
                share *= min(seen / total, 1.0)
            return share * total

        def estimate(tier: Sequence[Group], *, rare: bool = False) -> Estimate:
            """How many entries match every group of `tier` and the filters, and hold each word."""
            holding = [min(sum(held(a.words) for a in distinct_forms(group.alternatives, lexeme)), total) for group in tier]
            holding += [min(sum(counts.get(counted_facet(v), 0) for v in values), total) for values in facets]
            share = math.prod(h / total for h in holding)
            # Each of the index's words once: "cancel" and "cancelled" are one list of postings.
            lexemes = [{lexeme(w): w for a in g.alternatives for w in a.words} for g in tier]
            decoded = [sum(held((w,)) for w in words.values()) for words in lexemes]
            postings = sum(held((w,)) for w in {k: w for words in lexemes for k, w in words.items()}.values())
            return Estimate(0.0 if rare else share * total, postings + sum(holding[len(tier):]),
                            min(holding, default=total), tuple(zip(holding[:len(tier)], decoded, strict=True)))

        def fetch(tier: Sequence[Group], limit: int, *, rare: bool = False, below: int | None = None) -> None:
            limit = min(limit, CANDIDATES - len(found))
            if limit <= 0:
                return
            more = replace(filters, exclude_ids=filters.exclude_ids + tuple(c.id for c in found)) if found else filters
            found.extend(self.full_text.match(session, tier, mode="all", filters=more, limit=limit,
                                              estimate=estimate(tier, rare=rare), below=below))

        # Narrower queries, for when more than the cap match every group: each gets a share of the cap, so
        # none crowds out the others.
        narrower: list[tuple[list[Group], bool]] = []  # (tier, whether it is the phrase)
        typed = [w for g in groups for w in g.typed]
        if len(groups) > 1 and len(typed) <= 8 and held(tuple(typed)) <= PHRASE_SCAN:
            # A phrase is far rarer than its words together (which PHRASE_SCAN keeps few): rare.
            narrower.append(([_as_typed(Group(tuple(typed), ()))], True))
        if any(len(g.alternatives) > 1 for g in groups):
            narrower.append(([_as_typed(g) for g in groups], False))
            # A rare synonym or correction says more than a common one ("apologise" beside "apology").
            rare = [_keep(g, lambda a: held(a.words) <= total * RARE_SHARE) for g in groups]
            if rare != list(groups):
                narrower.append((rare, False))
        # More than the cap when the engine read them anyway, each saying which narrower queries it matches.
        pool = self.full_text.match(session, groups, mode="all", filters=filters, limit=CANDIDATES,
                                    estimate=estimate(groups), spare=POOL - CANDIDATES,
                                    tiers=[tier for tier, _ in narrower])
        every = pool[:CANDIDATES]
        if len(every) == CANDIDATES:
            share = CANDIDATES // 3
            # What matches a narrower query matches every group, so its matches down to the oldest of the
            # pool are in the pool, and only older ones are queried for - none when the pool holds a
            # narrower query's share already, or every match there is.
            oldest, complete = min(c.id for c in pool), CANDIDATES < len(pool) < POOL
            # How many older entries hold every word, at the pool's density: a phrase query reads them
            # all to check the word order, and words that often go together are in far more entries than
            # the estimate made them (1,070 for "bribrirelo sofa" at 1M: 60 ms of the server's time).
            together = len(pool) * oldest / max(total - oldest + 1, 1)
            for k, (tier, is_phrase) in enumerate(narrower):
                taken = {c.id for c in found}
                newest = [c for c in pool if k in c.tiers and c.id not in taken][:share]
                found.extend(newest)
                if len(newest) < share and not complete and not (is_phrase and together > PHRASE_SCAN):
                    fetch(tier, share - len(newest), rare=is_phrase, below=oldest)
            seen = {c.id for c in found}
            return found + [c for c in every if c.id not in seen][:CANDIDATES - len(found)]
        found.extend(every)
        if len(found) >= ENOUGH or len(groups) < 2:
            return found
        if 2 < len(groups) <= MAX_PARTIAL_GROUPS:
            for left_out in range(len(groups)):
                fetch([g for i, g in enumerate(groups) if i != left_out], CANDIDATES)
            if len(found) >= ENOUGH:
                return found
        share = max(ENOUGH, (CANDIDATES - len(found)) // len(groups))
        for group in groups:
            fetch([group], share)
        return found

    @staticmethod
    def rank(scorer: Scorer, candidates: list[Candidate]) -> list[_Scored]:
        return sorted((scorer.score(c.id, c.title, c.body, c.posted_at) for c in candidates),
                      key=lambda s: s.key, reverse=True)

    def _page(self, session: Session, ranked: list[_Scored], offset: int, limit: int, filters: Filters,
              corrected: dict[str, str], scorer: Scorer) -> SearchPage:
        shown = ranked[offset:offset + limit]
        ids = [s.entry_id for s in shown]
        statement = _showing(session.get_bind().dialect.name)
        entries = {e.id: e for e in session.scalars(statement, {"ids": ids})} if ids else {}
        hits = [Hit(entries[s.entry_id], scorer.matched(entries[s.entry_id]), s.exact)
                for s in shown if s.entry_id in entries]
        shown_corrections = {old: display_word(new) for old, new in corrected.items()}
        return SearchPage(hits, len(ranked), offset, filters.upto_id, shown_corrections)


@functools.cache
def _showing(dialect: str) -> Select[Any]:
    """The entries :ids, to show: built once per database, the ids given when it runs (see db.one_of)."""
    return select(Entry).where(one_of(Entry.id, None, dialect, name="ids"))


def _as_typed(group: Group) -> Group:
    return Group(group.typed, (Alternative(group.typed, 1.0, "typed"),))


def _keep(group: Group, wanted: Callable[[Alternative], bool]) -> Group:
    """The group with only the wanted alternatives (all of them when none is)."""
    kept = tuple(a for a in group.alternatives if wanted(a))
    return Group(group.typed, kept) if kept else group


@dataclass(frozen=True)
class _Alt:
    words: tuple[str, ...]
    weight: float
    stems: frozenset[str]
    pattern: re.Pattern[str] | None   # a single word and its other forms; None for a phrase
    needle: str                        # in every text that matches: the stem, or " the words " of a phrase


class Scorer:
    """Scores candidates against one query; everything that depends only on the query is worked out once
    here, so a candidate costs a few regex searches (and a partial_ratio per group it lacks)."""

    def __init__(self, groups: Sequence[Group]) -> None:
        typed_words = [w for g in groups for w in g.typed]
        self.phrases = [f" {' '.join(typed_words)} "] if len(typed_words) > 1 else []
        self.phrases += [f" {' '.join(g.typed)} " for g in groups if len(g.typed) > 1]
        self.groups = [(" ".join(g.typed), [_alt(a) for a in g.alternatives]) for g in groups]

    def score(self, entry_id: int, title: str, body: str, posted_at: datetime) -> _Scored:
        """How well one candidate answers the query; a larger key ranks first (see module docs)."""
        text = f" {title} {body} "
        padded_title = f" {title} "
        phrase = any(p in text for p in self.phrases)
        cover = title_cover = fuzzy = 0.0
        exact = True
        n = len(self.groups) or 1
        for typed, alternatives in self.groups:
            best = 0.0
            for alt in alternatives:
                if alt.weight > best and _has(alt, text):
                    best = alt.weight
                    if title and _has(alt, padded_title):
                        title_cover += alt.weight / n
            exact = exact and best == 1.0
            cover += best
            fuzzy += 100.0 if best else fuzz.partial_ratio(typed, text, score_cutoff=60) if len(typed) > 3 else 0.0
        key = (float(phrase), round(cover / n, 2), round(min(title_cover, 1.0), 1), round(fuzzy / n / 10),
               posted_at.timestamp(), float(entry_id))
        return _Scored(entry_id, key, exact)

    def matched(self, entry: Entry) -> frozenset[str]:
        """Stems of the query words (and their stand-ins) found in `entry`, for highlighting."""
        text = f" {entry.index_title} {entry.index_body} "
        return frozenset(s for _, alternatives in self.groups for alt in alternatives if _has(alt, text)
                         for s in alt.stems)


def _alt(alternative: Alternative) -> _Alt:
    words = alternative.words
    if len(words) == 1:
        return _Alt(words, alternative.weight, frozenset({stem(words[0])}), _word_form(words[0]), stem(words[0]))
    return _Alt(words, alternative.weight, frozenset(stem(w) for w in words), None, f" {' '.join(words)} ")


def _has(alt: _Alt, text: str) -> bool:
    # The plain substring test is far cheaper than the regex and rules out most candidates.
    return alt.needle in text and (alt.pattern is None or alt.pattern.search(text) is not None)


@functools.lru_cache(maxsize=4096)
def _word_form(word: str) -> re.Pattern[str]:
    """The word or another form of it (same light stem, a short ending): deliver, delivery, deliveries."""
    if word.isascii():  # the common case, and the cheaper pattern (normalised words are space-separated)
        return re.compile(r"(?<![a-z0-9])" + re.escape(stem(word)) + r"[a-z]{0,5}(?![a-z0-9])")
    return re.compile(r"(?<![^\W_])" + re.escape(stem(word)) + r"[^\W\d_]{0,5}(?![^\W_])")


_WORD = re.compile(r"\w+")


def snippet(body: str, matched: frozenset[str], *, width: int = 220) -> list[tuple[str, bool]]:
    """A window of `body` around the first matched word, as (text, is_match) pieces, for highlighting."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(body)
             if stem(PINNED.get(fold(m.group()), fold(m.group()))) in matched]
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


class SharedEngine:
    """The bot's one search engine, made on first use: making it warms the full-text index and loads the
    vocabulary, which a bot that never searches need not pay for. Call it for the engine."""

    def __init__(self, db: Database, synonyms: Synonyms) -> None:
        self._db = db
        self._synonyms = synonyms
        self._engine: SearchEngine | None = None
        self._lock = threading.Lock()

    def __call__(self) -> SearchEngine:
        with self._lock:
            if self._engine is None:
                with self._db.transaction() as session:
                    self._engine, note = SearchEngine.for_session(session, self._synonyms)
                log.info("search: %s, %s", self._engine.full_text.name, note)
            return self._engine
