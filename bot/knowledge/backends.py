"""The full-text candidate query, per database: SQLite FTS5 or PostgreSQL full text (tsvector + GIN).

Both answer the same question: the ids of at most `limit` live entries matching a boolean query over
word groups (every group, or any), within the filters. Each group is a set of alternatives - the word as
typed, its corrections and its synonyms - and an alternative of several words is a phrase. Words are
normalised (`text.normalize`: lowercase ASCII letters and digits) before they get here, so they can be
quoted into either query language safely.

The matches come newest first (highest id), `limit` of them, never ordered by the engines' relevance:
ordering by bm25 or ts_rank scores every match before the LIMIT applies - FTS5's bm25 even counts each
word's entries across the whole index - and a common word matches a large share of it (measured: most of
the search time at 100k entries, and more than the 20 ms budget on its own at 1M). In id order FTS5
walks its doclists backwards and stops at the limit; PostgreSQL walks the primary key backwards while
matches are dense and collects rare words' few matches with the GIN index and sorts them - a choice its
planner gets right only with word statistics well past the default (the migration sets 2000; at 100, a
word outside its 1000 commonest was estimated at 1,667 matches at 1M entries, and the backward walk over
all of them for 10 real ones took 1.3 s). Relevance is the rerank's job (search.py), which breaks ties by
recency too, so the newest matches of a query are the ones it would keep.

Filters on cause, kind, channel and author are words of the index too (`index_facets`, see
text.entry_facets), so the engine intersects them with the query words; only dates need the entry row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from bot.knowledge.models import Entry
from bot.knowledge.text import facet

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

    def clauses(self) -> list[ColumnElement[bool]]:
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
        return where + self.row_clauses() + self.id_clauses(Entry.id)

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

    def id_clauses(self, ids: Any) -> list[ColumnElement[bool]]:
        """The clauses on entry ids, on `ids` (the entries' id, or the full-text index's rowid)."""
        where: list[ColumnElement[bool]] = []
        if self.upto_id is not None:
            where.append(ids <= self.upto_id)
        if self.exclude_ids:
            where.append(ids.not_in(self.exclude_ids))
        return where


class FullText(Protocol):
    name: str

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int, few: bool = False) -> list[int]:
        """`few`: the caller expects few matches (a phrase of words that are rarely together)."""
        ...


def latest(session: Session, filters: Filters, limit: int) -> list[int]:
    """Newest entries within the filters: a search with filters and no words."""
    statement = select(Entry.id).where(*filters.clauses()).order_by(Entry.posted_at.desc(), Entry.id.desc())
    return list(session.scalars(statement.limit(limit)))


_FTS = table("knowledge_fts", column("rowid"))


class SqliteFts5:
    name = "SQLite FTS5"

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
              limit: int, few: bool = False) -> list[int]:
        expression = self.expression(groups, mode, filters.facets())
        matching = text("knowledge_fts MATCH :fts").bindparams(fts=expression)
        newest = (select(_FTS.c.rowid).where(matching, *filters.id_clauses(_FTS.c.rowid))
                  .order_by(_FTS.c.rowid.desc()).limit(limit))
        if filters.row_clauses():  # dates: read each match's row, newest first, until `limit` pass
            newest = newest.join(Entry, Entry.id == _FTS.c.rowid).where(*filters.row_clauses())
        return list(session.scalars(newest))


class PostgresFullText:
    name = "PostgreSQL full text"

    @staticmethod
    def expression(groups: Sequence[Group], mode: Mode) -> str:
        def alt(a: Alternative) -> str:
            return " <-> ".join(a.words) if len(a.words) > 1 else a.words[0]
        if mode == "any":
            return " | ".join(f"({x})" for x in dict.fromkeys(alt(a) for g in groups for a in g.alternatives))
        return " & ".join("(" + " | ".join(f"({x})" for x in dict.fromkeys(alt(a) for a in g.alternatives)) + ")"
                          for g in groups)

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int, few: bool = False) -> list[int]:
        query = func.to_tsquery(literal_column("'english'::regconfig"), self.expression(groups, mode))
        facets = filters.facets()
        if facets:  # unstemmed, as indexed
            wanted = " & ".join("(" + " | ".join(values) + ")" for values in facets)
            query = query.op("&&")(func.to_tsquery(literal_column("'simple'::regconfig"), wanted))
        vector = literal_column("knowledge_entries.search_vector")
        # The planner can't tell how rare a phrase is (it estimates its words' AND); walking the key back
        # for one that is rare checks position after position. `id + 0` leaves it the GIN index only.
        newest = (Entry.id + 0).desc() if few else Entry.id.desc()
        statement = (select(Entry.id).where(vector.op("@@")(query))
                     .where(*filters.row_clauses(), *filters.id_clauses(Entry.id))
                     .order_by(newest).limit(limit))
        return list(session.scalars(statement))


def full_text_for(dialect: str) -> FullText:
    if dialect == "sqlite":
        return SqliteFts5()
    if dialect == "postgresql":
        return PostgresFullText()
    raise ValueError(f"no full-text search for {dialect}")
