"""The full-text candidate query, per database: SQLite FTS5 or PostgreSQL full text (tsvector + GIN).

Both answer the same question: at most `limit` live entries (`Candidate`: the id and what the rerank
reads) matching a boolean query over word groups (every group, or any), within the filters, each saying
which of some narrower queries it also matches. Each group is a set of alternatives - the word as
typed, its corrections and its synonyms - and an alternative of several words is a phrase. Words are
normalised (`text.normalize`: lowercase letters and digits of any script) before they get here, so they
can be quoted into either query language safely.

The matches come newest first (highest id), `limit` of them, never ordered by the engines' relevance:
ordering by bm25 or ts_rank scores every match before the LIMIT applies - FTS5's bm25 even counts each
word's entries across the whole index - and a common word matches a large share of it (measured: most of
the search time at 100k entries, and more than the 20 ms budget on its own at 1M). In id order FTS5
walks its doclists backwards and stops at the limit. PostgreSQL's GIN index can't stop early, so the
search chooses how to ask it from the vocabulary's estimate of how many entries match, not from the
planner's guess (which walked the key back over 45,000 entries for 50 matches): see `next_step`.
Relevance is the rerank's job (search.py), which breaks ties by recency too, so the newest matches of a
query are the ones it would keep.

Filters on cause, kind, channel and author are words of the index too (`index_facets`, see
text.entry_facets), so the engine intersects them with the query words; only dates need the entry row.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.orm import Session

from bot.db import array_param, one_of
from bot.knowledge.models import Entry
from bot.knowledge.text import facet, lexeme

Mode = Literal["all", "any"]



@dataclass(frozen=True)
class Alternative:
    words: tuple[str, ...]
    weight: float  # 1 as typed; less for synonyms and corrections
    why: str       # "typed", "synonym" or "correction"


@dataclass(frozen=True)
class Group:
    """One word (or quoted phrase) of the query and everything that may stand for it."""

    typed: tuple[str, ...]
    alternatives: tuple[Alternative, ...]


class Candidate(NamedTuple):
    """A match, with what the rerank reads of it. Read with the match: asked for afterwards by id, each
    search paid one more statement and, at 1M entries, primary-key pages that were seldom in memory."""

    id: int
    title: str  # the entry's index_title and index_body (text.normalize)
    body: str
    posted_at: datetime
    tiers: frozenset[int] = frozenset()  # which of the narrower queries asked about it matches (see match)

    @classmethod
    def of(cls, row: Sequence[Any]) -> Candidate:
        """From a row of the candidate's columns followed by a flag for each narrower query."""
        return cls(row[0], row[1], row[2], row[3], frozenset(i for i, flag in enumerate(row[4:]) if flag))


def distinct_forms(alternatives: Iterable[Alternative], form: Callable[[str], str | None]) -> list[Alternative]:
    """The first of the alternatives for each form of their words: with `form` giving a word's lexeme,
    "cancel", "cancelled" and "canceled" are one. A word `form` knows nothing of (None) is a form of its
    own."""
    distinct: dict[tuple[str | None, ...], Alternative] = {}
    for a in alternatives:
        forms = tuple(form(w) for w in a.words)
        distinct.setdefault(forms if None not in forms else (None, *a.words), a)
    return list(distinct.values())


_C = Entry.__table__.c
_CANDIDATE = (_C.id, _C.index_title, _C.index_body, _C.posted_at)


@dataclass(frozen=True)
class Filters:
    cause: str | None = None
    channel_ids: tuple[str, ...] = ()
    author_ids: tuple[str, ...] = ()
    after: datetime | None = None
    before: datetime | None = None
    kind: str | None = None
    upto_id: int | None = None       # results as of this entry id, so paging is stable
    exclude_ids: tuple[int, ...] = ()

    def clauses(self, session: Session) -> list[ColumnElement[bool]]:
        """Every filter, on the entries' columns (for a search without words)."""
        where: list[ColumnElement[bool]] = []
        if self.cause:
            where.append(Entry.cause == self.cause)
        if self.channel_ids:
            where.append(Entry.channel_id.in_(self.channel_ids))
        if self.author_ids:
            where.append(Entry.author_id.in_(self.author_ids))
        if self.kind:
            where.append(Entry.kind == self.kind)
        return where + self.row_clauses() + self.id_clauses(Entry.id, session)

    def facets(self) -> list[tuple[str, ...]]:
        """The filters the full-text index answers itself (text.entry_facets): each a set of words, one
        of which must be there."""
        wanted = [("cause", (self.cause,) if self.cause else ()), ("chan", self.channel_ids),
                  ("user", self.author_ids), ("kind", (self.kind,) if self.kind else ())]
        return [tuple(facet(name, v) for v in values) for name, values in wanted if values]

    def row_clauses(self) -> list[ColumnElement[bool]]:
        """The filters only the entry's row can answer (dates)."""
        where: list[ColumnElement[bool]] = []
        if self.after:
            where.append(Entry.posted_at >= self.after)
        if self.before:
            where.append(Entry.posted_at < self.before)
        return where

    def id_clauses(self, ids: Any, session: Session) -> list[ColumnElement[bool]]:
        """The clauses on entry ids, on `ids` (the entries' id, or the full-text index's rowid)."""
        where: list[ColumnElement[bool]] = []
        if self.upto_id is not None:
            where.append(ids <= self.upto_id)
        if self.exclude_ids:
            where.append(~one_of(ids, self.exclude_ids, session))
        return where


class FullText(Protocol):
    name: str

    def prepare(self, session: Session, words: Iterable[str]) -> None:
        """Learn what the engine needs to know of words many searches will have (the synonyms)."""
        ...

    def warm(self, session: Session) -> None:
        """Compile the statements searches run, so that no search pays for it."""
        ...

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int, estimate: Estimate, below: int | None = None, spare: int = 0,
              tiers: Sequence[Sequence[Group]] = ()) -> list[Candidate]:
        """The newest matches, newest first. `estimate`: for choosing how to find them. `below`: only
        entries older than this one (the caller knows the newer matches). `spare`: up to this many more
        matches, when the engine has read them anyway (so more than `limit` and fewer than `limit + spare`
        means all of them). `tiers`: narrower queries (groups that must all match); when `limit` matches
        are found, each says which of them it matches (Candidate.tiers) - otherwise they may not."""
        ...


def latest(session: Session, filters: Filters, limit: int) -> list[int]:
    """Newest entries within the filters: a search with filters and no words."""
    statement = select(Entry.id).where(*filters.clauses(session)).order_by(Entry.posted_at.desc(), Entry.id.desc())
    return list(session.scalars(statement.limit(limit)))


_FTS = table("knowledge_fts", column("rowid"))


def _fts_match(expression: str) -> Any:
    return text("knowledge_fts MATCH :fts").bindparams(fts=expression)


class SqliteFts5:
    name = "SQLite FTS5"

    def prepare(self, session: Session, words: Iterable[str]) -> None:
        """Nothing to learn: FTS5 stops at the limit, so a form named twice costs next to nothing."""

    def warm(self, session: Session) -> None:
        """Nothing to compile: each query is a MATCH expression of one statement."""

    @staticmethod
    def expression(groups: Sequence[Group], mode: Mode, facets: Sequence[tuple[str, ...]] = ()) -> str:
        def alt(a: Alternative) -> str:
            return '"' + " ".join(a.words) + '"'
        if mode == "any":
            words = "(" + " OR ".join(dict.fromkeys(alt(a) for g in groups for a in g.alternatives)) + ")"
        else:
            words = " AND ".join("(" + " OR ".join(dict.fromkeys(alt(a) for a in g.alternatives)) + ")"
                                 for g in groups)
        wanted = ["index_facets : (" + " OR ".join(f'"{value}"' for value in values) + ")" for values in facets]
        return " AND ".join([words, *wanted])

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int, estimate: Estimate, below: int | None = None, spare: int = 0,
              tiers: Sequence[Sequence[Group]] = ()) -> list[Candidate]:
        # FTS5 stops at the limit: a spare match costs as much as any other, so none are read.
        older = [_FTS.c.rowid < below] if below is not None else []
        where = [_fts_match(self.expression(groups, mode, filters.facets())), *older,
                 *filters.id_clauses(_FTS.c.rowid, session), *filters.row_clauses()]
        # Each match's row is read newest first, until `limit` pass the dates (if any).
        newest = (select(*_CANDIDATE).select_from(_FTS).join(Entry.__table__, _C.id == _FTS.c.rowid).where(*where)
                  .order_by(_FTS.c.rowid.desc()).limit(limit))
        found = [Candidate(*row) for row in session.execute(newest)]
        if not tiers or len(found) < limit:
            return found
        # Each tier over the matches' range only: FTS5 then reads just that stretch of each word's entries,
        # which holds no more matches than `found` (the newest matches of a broader query). (With
        # `rowid IN (...)` it runs the whole query once an id: 6 ms a search at 10k entries.)
        rowids = [_FTS.c.rowid >= found[-1].id, _FTS.c.rowid <= found[0].id]
        matching = [set(session.scalars(select(_FTS.c.rowid).where(_fts_match(self.expression(tier, "all")),
                                                                     *rowids)))
                    for tier in tiers]
        return [c._replace(tiers=frozenset(i for i, ids in enumerate(matching) if c.id in ids)) for c in found]


BLOCK = 25_000  # entries per block of PostgreSQL's index: migration 0009 indexes (id / 25000) beside the words
MARGIN = 2.0     # a step reads twice the entries the estimate says hold the matches it wants
WALK_MIN, WALK_MAX = 1_000, 10_000  # a walk back reads at least this many entries (it stops at its limit)
# What each way of reading costs, measured at 1M entries (PostgreSQL 15, 128 MB shared_buffers): walking
# the key back, an entry; collecting matches with GIN, a match (its row is read, to sort by id) and a
# posting of a query word (the whole index decodes them all); and a GIN scan of one block, whatever it holds.
# Reading rows dominates: the table is 13 times the size of its GIN index, and a row read 7-10 us when its
# page was in memory and 150-300 us when not (this machine drops file pages unused for a minute). A match's
# row is a page of its own, a walk's six rows share one. Costed at 60 us a match (10 a walked entry), the
# 95th percentile after the page cache was dropped went from 31-33 to 27 ms (index steps of a few hundred
# matches gave way to the newest blocks); with every page in memory, 10.8 to 11.6 ms; the results alike.
WALK_ROW, HEAP_ROW, POSTING, BLOCK_SCAN = 10e-6, 60e-6, 40e-9, 1.2e-3  # seconds
PROBE = 5e-3  # seconds: reading more matches than this could take, a search first measures their density
# A group of words in at least this share of the entries may be checked on the rows the index finds rather
# than by the index (see sift), when that saves SIFT_MARGIN times what the extra rows could cost.
SIFT_SHARE, SIFT_MARGIN = 0.3, 4.0


@dataclass(frozen=True)
class Estimate:
    """What the vocabulary's counts say of a query, words taken as independent."""

    matches: float   # entries matching it
    postings: float  # entries holding each of its words (and filter words), summed: what GIN reads for it
    most: float = 0.0  # entries holding its rarest group of words: as many as could match, however related
    # Per group of words, in the query's order: (entries holding any of its words, their postings).
    groups: tuple[tuple[float, float], ...] = ()
    passing: float = 1.0  # the share of the entries the index finds that the words checked on the row keep


@dataclass(frozen=True)
class Step:
    """One query of a PostgreSQL search: the matches with ids in (lo, hi], found by walking the primary
    key back ("walk"), with the block index in those blocks ("blocks"), or with the index over all of
    them ("index")."""

    how: Literal["walk", "blocks", "index"]
    lo: int
    hi: int


def sift(estimate: Estimate, upto: int) -> tuple[tuple[int, ...], Estimate]:
    """Which groups of an every-group query to check on the rows the index finds instead of in the index,
    and the estimate of what the index then reads.

    GIN decodes every posting of every word it is asked for, and a word in more than half the entries
    costs more to decode than it narrows: for "bribricranjun bribricranvo bribri cause:stock-out" (149
    matches in 1M entries) "bribri" is 597,000 of the 810,000 postings read, and checked on the rows the
    other words find it costs about 230 rows read instead. (Full-text engines call this a common-terms
    query.) Commonest first, while it pays with SIFT_MARGIN to spare, since the estimate of the rows found
    takes the words as independent. The rarest group always stays in the index."""
    rows, postings, passing = max(estimate.matches, 1.0), estimate.postings, 1.0
    sifted: list[int] = []
    for i in sorted(range(len(estimate.groups)), key=lambda i: -estimate.groups[i][0]):
        holding, decoded = estimate.groups[i]
        share = min(holding / max(upto, 1), 1.0)
        if len(sifted) + 1 >= len(estimate.groups) or share < SIFT_SHARE:
            break
        extra = rows * (1 / share - 1)
        if decoded * POSTING < extra * HEAP_ROW * SIFT_MARGIN:
            break
        sifted.append(i)
        rows, postings, passing = rows + extra, postings - decoded, passing * share
    return tuple(sorted(sifted)), replace(estimate, postings=postings, passing=passing)


def next_step(estimate: Estimate, hi: int, limit: int, *, upto: int, blocks: bool, first: bool = False) -> Step:
    """The cheapest way to find the newest `limit` matches at or below `hi`, of `upto` entries in all.

    GIN can't stop at a limit: it decodes every posting of every query word (30-40 ms at 1M entries for
    four words each in 12-17 % of the entries, however few entries hold them all) and reads every match's
    row to sort them by id (100 ms for a word in 1 % of them). Walking the key back stops at the limit
    but reads entry after entry. The block index lets GIN read only the newest blocks of 25,000 entries.
    So: dense matches walk back; sparse ones of common words read the newest blocks that should hold
    them; rare ones the whole index (GIN then skips through common words' postings by the rare word's).

    The estimate takes words as independent, but words used together (a product and its usual fault)
    match far more entries than that, and reading them all is the slow case (measured: 7 matches
    estimated, 1,505 read, 24 ms). So when as many entries could match in the planned range as would take
    more than PROBE to read, the `first` step of a search that would read more than the newest two blocks
    reads those alone, to measure how dense the matches are (a millisecond or less)."""
    share = min(max(estimate.matches / max(upto, 1), 1e-9), 1.0)
    rows = limit / share  # entries holding `limit` matches
    found = share / estimate.passing  # the share of the entries the index finds and reads the row of
    index = Step("index", 0, hi)
    options = [(estimate.postings * hi / max(upto, 1) * POSTING + found * hi * HEAP_ROW, index)]
    if rows * MARGIN <= WALK_MAX:
        span = min(hi, max(WALK_MIN, math.ceil(rows * MARGIN)))
        options.append((min(rows, span) * WALK_ROW, Step("walk", hi - span, hi)))
    if blocks:
        lo = int((hi - rows * MARGIN) // BLOCK) * BLOCK - 1  # whole blocks, `rows` twice over below `hi`
        if lo > 0:
            options.append(((hi // BLOCK - lo // BLOCK) * BLOCK_SCAN + found * (hi - lo) * HEAP_ROW,
                            Step("blocks", lo, hi)))
    best = min(options, key=lambda option: option[0])[1]
    probe = max(((hi - BLOCK) // BLOCK) * BLOCK - 1, -1)  # the newest block and the one before it, if partly
    # As many matches as could be in the planned range, if the words always went together.
    risky = estimate.most * (best.hi - best.lo) / max(upto, 1) * HEAP_ROW > PROBE and estimate.matches > 0
    if first and blocks and risky and best.how != "walk" and best.lo < probe:
        return Step("blocks", probe, hi)
    return best


def measured(expected: float, seen: int, step: Step, upto: int) -> float:
    """How many of `upto` entries match, once `step` has read all its range and found `seen` matches.

    A measure where it shows more than the estimate (words taken as independent often are not: a product
    and its usual fault), or so few that the estimate can't be right; up to the count's upper bound (about
    99 %, Poisson) the estimate stands. A few matches in a small range say little of a word the vocabulary
    counts exactly: "brihoven", in 433 of 1M entries, showed 7 in the newest 25,000; taken as 300, the
    search read all 426 older rows to sort them (20 ms and more with pages not in memory) where the next 8
    blocks held the 43 it wanted. Half a match more: none still says "sparse"."""
    span = max(step.hi - step.lo, 1)
    bound = (seen + 3 * math.sqrt(seen) + 3) / span * upto
    return max((seen + 0.5) / span * upto, min(expected, bound))


class PostgresFullText:
    name = "PostgreSQL full text"

    def __init__(self, *, blocks: bool) -> None:
        self.blocks = blocks  # whether the block index exists (migration 0009 needs btree_gin)
        self._lexemes: dict[str, str] = {}  # word -> as the server indexes it ("" for a word it leaves out)

    def prepare(self, session: Session, words: Iterable[str]) -> None:
        """Learn how the server indexes these words (its lexemes), for the queries to name each form once:
        GIN reads a lexeme's postings once for every time a query names it (measured at 1M entries:
        9.2 ms with "cancel" four times, 5.4 ms once). Asked of the server, as our Snowball stemmer may be
        another release than the server's ("added": "add" here, "ad" in PostgreSQL 15), and kept."""
        missing = [w for w in dict.fromkeys(words) if w not in self._lexemes]
        if missing:
            if len(self._lexemes) > MAX_LEXEMES:
                self._lexemes.clear()
            self._lexemes.update((word, lexemes) for word, lexemes in session.execute(_LEXEMES, {"words": missing}))

    def warm(self, session: Session) -> None:
        """Compile each step's statement for the filters searches mostly have, by running it over no entries:
        compiled on a search's first step of that shape, it cost the search 2-5 ms (measured: 19 shapes
        in the bench's 200 searches at 1M entries, a tenth of them slowed). Dates are rare and left out."""
        # Built as searches build them: SQLAlchemy's cache knows a statement by its parameters' names too.
        word = [Group((_NO_WORD,), (Alternative((_NO_WORD,), 1.0, "typed"),))]
        for how, cause, tiers, checked in itertools.product(("walk", "blocks", "index"), (None, _NO_WORD),
                                                            ((), [word]), ((), [1])):
            statement, values = self.step_query(Step(how, 0, 0), word * 2, "all", Filters(cause=cause), 1,
                                                tiers, checked)
            session.execute(statement, values)

    def _look_alikes(self, groups: Sequence[Group], mode: Mode) -> list[str]:
        """Words of alternatives that may be one form (by our stemmer) of another of the same group."""
        among = [[a for g in groups for a in g.alternatives]] if mode == "any" else [g.alternatives for g in groups]
        words: list[str] = []
        for alternatives in among:
            if len(distinct_forms(alternatives, lexeme)) < len(alternatives):
                words += [w for a in alternatives for w in a.words]
        return words

    def expression(self, groups: Sequence[Group], mode: Mode) -> str:
        """The tsquery text, each form named once (see prepare; forms not learned yet are named as they are)."""
        def alternatives(among: Iterable[Alternative]) -> str:
            return " | ".join(f"({' <-> '.join(a.words)})" for a in distinct_forms(among, self._lexemes.get))
        if mode == "any":
            return alternatives(a for g in groups for a in g.alternatives)
        return " & ".join(f"({alternatives(g.alternatives)})" for g in groups)

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int, estimate: Estimate, below: int | None = None, spare: int = 0,
              tiers: Sequence[Sequence[Group]] = ()) -> list[Candidate]:
        # Each tier is a column of every step's statement, read from the rows the step reads anyway.
        upto = hi = filters.upto_id or 0
        if below is not None:
            hi = min(hi, below - 1)
        found: list[Candidate] = []
        first = True
        checked, estimate = sift(estimate, upto) if mode == "all" else ((), estimate)
        self.prepare(session, self._look_alikes(groups, mode))
        while hi > 0 and len(found) < limit:
            step = next_step(estimate, hi, limit - len(found), upto=upto, blocks=self.blocks, first=first)
            first = False
            # The whole index is read to sort every match in the range: the spare ones come for free.
            wanted = limit - len(found) + (spare if step.how == "index" else 0)
            statement, values = self.step_query(step, groups, mode, filters, wanted, tiers, checked)
            ids = [Candidate.of(row) for row in session.execute(statement, values)]
            found += ids
            estimate, hi = replace(estimate, matches=measured(estimate.matches, len(ids), step, upto)), step.lo
        return found

    def step_query(self, step: Step, groups: Sequence[Group], mode: Mode, filters: Filters, limit: int,
                   tiers: Sequence[Sequence[Group]] = (), checked: Sequence[int] = ()) -> tuple[Any, dict[str, Any]]:
        """The statement for one step of the plan, and its values. `checked`: groups of an every-group
        query that the rows the index finds are checked for, rather than the index (see sift)."""
        facets = filters.facets()
        if step.how == "walk":  # no index to spare: every row is checked for the whole query
            checked = ()
        if len(tiers) > TIERS:
            raise ValueError(f"at most {TIERS} narrower queries, not {len(tiers)}")
        shape = _Shape(step.how, bool(facets), filters.after is not None, filters.before is not None,
                       bool(tiers), bool(checked))
        indexed = [g for i, g in enumerate(groups) if i not in checked]
        values: dict[str, Any] = {"query": self.expression(indexed, mode),
                                  "lo": step.lo, "hi": step.hi, "limit": limit}
        if checked:
            values["checked"] = self.expression([groups[i] for i in checked], "all")
        if tiers:  # the slots of the narrower queries not asked about are NULL, and so is their flag
            values.update((f"tier{i}", self.expression(tiers[i], "all") if i < len(tiers) else None)
                          for i in range(TIERS))
        if facets:  # unstemmed, as indexed
            values["facets"] = " & ".join("(" + " | ".join(words) + ")" for words in facets)
        values["exclude"] = list(filters.exclude_ids)
        if step.how == "blocks":
            values["blocks"] = list(range(step.hi // BLOCK, step.lo // BLOCK, -1))
        values.update((name, value) for name, value in (("after", filters.after), ("before", filters.before))
                      if value is not None)
        return _step_statement(shape), values


_NO_WORD = "amendsnoword"  # for statements run over no entries (see warm)
MAX_LEXEMES = 100_000  # words whose lexemes a process keeps (see prepare)
_WORDS = func.unnest(array_param("words", String())).table_valued("w").render_derived(name="words")
_LEXEMES = select(_WORDS.c.w, func.array_to_string(
    func.tsvector_to_array(func.to_tsvector(literal_column("'english'::regconfig"), _WORDS.c.w)), " "))
TIERS = 3  # narrower queries a step can say a match matches (search.py asks about three at most)


@dataclass(frozen=True)
class _Shape:
    """A step's statement apart from its values: each is built once (a fifth of a search's time in Python
    went to building statements and working out their cache keys), and compiled on its first run, which
    costs a search 1-3 ms - so there are few: the ids to leave out are always a parameter (maybe empty),
    and narrower queries always TIERS of them (maybe NULL). Words are values."""

    how: Literal["walk", "blocks", "index"]
    facets: bool
    after: bool
    before: bool
    tiers: bool  # a column for each narrower query, saying whether the match matches it
    checked: bool  # words checked on the rows the index finds (see sift)


_VECTOR = literal_column("knowledge_entries.search_vector")


def _tsquery(name: str, facets: bool = False) -> Any:
    query = func.to_tsquery(literal_column("'english'::regconfig"), bindparam(name, type_=String()))
    if facets:
        query = query.op("&&")(func.to_tsquery(literal_column("'simple'::regconfig"),
                                               bindparam("facets", type_=String())))
    return query


@functools.cache
def _step_statement(shape: _Shape) -> Any:
    """The newest :limit matches of :query (and :facets) with ids in (:lo, :hi], read as `shape.how` says,
    and whether each matches :tier0, :tier1 ..."""
    plan = _step_plan(shape)
    if not shape.tiers:
        return plan
    # Checked on the matches the plan keeps, from the rows it read (a phrase's word order is in the row):
    # in the plan's own columns PostgreSQL would check every match it reads, before the limit.
    kept = plan.subquery("kept")
    flags = [kept.c.search_vector.op("@@")(_tsquery(f"tier{i}")) for i in range(TIERS)]
    return select(*(kept.c[c.name] for c in _CANDIDATE), *flags).order_by(kept.c.id.desc())


def _step_plan(shape: _Shape) -> Any:
    query = _tsquery("query", shape.facets)
    limit = bindparam("limit", type_=Integer())
    columns = [*_CANDIDATE, _VECTOR.label("search_vector")] if shape.tiers else list(_CANDIDATE)

    def within(ids: Any) -> list[Any]:
        where = [ids > bindparam("lo", type_=Integer()), ids <= bindparam("hi", type_=Integer())]
        where.append(~one_of(ids, None, "postgresql", name="exclude"))
        if shape.after:
            where.append(_C.posted_at >= bindparam("after"))
        if shape.before:
            where.append(_C.posted_at < bindparam("before"))
        if shape.checked:  # the function form of @@, so the planner checks it on the row, not in the index
            where.append(func.ts_match_vq(_VECTOR, _tsquery("checked")))
        return where

    if shape.how == "walk":
        # The function form of @@, which no index answers, so the planner walks the key back.
        return (select(*columns).where(func.ts_match_vq(_VECTOR, query), *within(_C.id))
                .order_by(_C.id.desc()).limit(limit))
    # `id + 0` hides the primary key from the planner, leaving it the GIN index: walking the key back
    # (or along a range of it) for sparse matches would read entry after entry.
    ids = _C.id + 0
    newest = select(*columns).where(_VECTOR.op("@@")(query), *within(ids)).order_by(ids.desc()).limit(limit)
    if shape.how == "index":
        return newest
    # One GIN scan a block, each with the block's number in the index condition (the index's own
    # expression, hence the literal division). Asked as `id / 25000 IN (...)` or as ORs, the planner
    # reads the whole index instead once there are more than two or three blocks (measured: 9 blocks,
    # 7.5 ms for the whole index against 0.1-0.9 ms a block), so each block is a lateral subquery.
    keys = func.unnest(array_param("blocks", Integer())).table_valued("k").render_derived(name="blocks")
    in_block = newest.where(literal_column(f"knowledge_entries.id / {BLOCK}") == keys.c.k).lateral("found")
    return (select(*in_block.c).select_from(keys).join(in_block, true()).order_by(in_block.c.id.desc())
            .limit(limit))


BLOCK_INDEX = text("SELECT 1 FROM pg_indexes WHERE tablename = 'knowledge_entries' "
                   "AND indexname = 'ix_knowledge_entries_search_blocks' AND schemaname = current_schema()")


def block_index_status(session: Session) -> tuple[bool, str]:
    """(whether PostgreSQL search can ask its index block by block; a sentence for operators)."""
    if session.scalar(BLOCK_INDEX) is not None:
        return True, f"full-text search reads the newest entries first, {BLOCK:,} entries a block"
    return False, ("full-text search reads the whole index for every query, which is slow past about 100,000 "
                   "entries with common words: the block index needs the btree_gin extension. Have a database "
                   "owner run CREATE EXTENSION btree_gin; then CREATE INDEX ix_knowledge_entries_search_blocks ON "
                   f"knowledge_entries USING gin ((id / {BLOCK}), search_vector);")


def full_text_for(session: Session) -> tuple[FullText, str]:
    """The full-text search for this database, and a sentence on how it reads its index."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return SqliteFts5(), "SQLite FTS5 reads the newest matches first"
    if dialect == "postgresql":
        blocks, note = block_index_status(session)
        return PostgresFullText(blocks=blocks), note
    raise ValueError(f"no full-text search for {dialect}")
