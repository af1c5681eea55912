"""The full-text candidate query, per database: SQLite FTS5 or PostgreSQL full text (tsvector + GIN).

Both answer the same question: the ids of at most `limit` live entries matching a boolean query over
word groups (every group, or any), within the filters. Each group is a set of alternatives - the word as
typed, its corrections and its synonyms - and an alternative of several words is a phrase. Words are
normalised (`text.normalize`: lowercase ASCII letters and digits) before they get here, so they can be
quoted into either query language safely. Within the cap, entries come best-first by the engine's own
relevance (bm25 in FTS5, ts_rank in PostgreSQL), title words counting four times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy import ColumnElement, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from bot.knowledge.models import Entry

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
        where: list[ColumnElement[bool]] = []
        if self.cause:
            where.append(Entry.cause == self.cause)
        if self.channel_ids:
            where.append(Entry.channel_id.in_(self.channel_ids))
        if self.author_ids:
            where.append(Entry.author_id.in_(self.author_ids))
        if self.after:
            where.append(Entry.posted_at >= self.after)
        if self.before:
            where.append(Entry.posted_at < self.before)
        if self.kind:
            where.append(Entry.kind == self.kind)
        if self.upto_id is not None:
            where.append(Entry.id <= self.upto_id)
        if self.exclude_ids:
            where.append(Entry.id.not_in(self.exclude_ids))
        return where


class FullText(Protocol):
    name: str

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int) -> list[int]:
        ...


def latest(session: Session, filters: Filters, limit: int) -> list[int]:
    """Newest entries within the filters: a search with filters and no words."""
    statement = select(Entry.id).where(*filters.clauses()).order_by(Entry.posted_at.desc(), Entry.id.desc())
    return list(session.scalars(statement.limit(limit)))


_FTS = table("knowledge_fts", column("rowid"), column("rank"))


class SqliteFts5:
    name = "SQLite FTS5"

    @staticmethod
    def expression(groups: Sequence[Group], mode: Mode) -> str:
        def alt(a: Alternative) -> str:
            return '"' + " ".join(a.words) + '"'
        if mode == "any":
            return " OR ".join(dict.fromkeys(alt(a) for g in groups for a in g.alternatives))
        return " AND ".join("(" + " OR ".join(dict.fromkeys(alt(a) for a in g.alternatives)) + ")" for g in groups)

    def match(self, session: Session, groups: Sequence[Group], *, mode: Mode, filters: Filters,
              limit: int) -> list[int]:
        statement = (select(Entry.id).select_from(_FTS).join(Entry, Entry.id == _FTS.c.rowid)
                     .where(text("knowledge_fts MATCH :fts").bindparams(fts=self.expression(groups, mode)))
                     .where(*filters.clauses()).order_by(_FTS.c.rank).limit(limit))
        return list(session.scalars(statement))


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
              limit: int) -> list[int]:
        query = func.to_tsquery(literal_column("'english'::regconfig"), self.expression(groups, mode))
        vector = literal_column("knowledge_entries.search_vector")
        statement = (select(Entry.id).where(vector.op("@@")(query)).where(*filters.clauses())
                     .order_by(func.ts_rank(literal_column("'{0.1, 0.2, 0.4, 1.0}'::float4[]"), vector,
                                            query).desc(), Entry.id.desc())
                     .limit(limit))
        return list(session.scalars(statement))


def full_text_for(dialect: str) -> FullText:
    if dialect == "sqlite":
        return SqliteFts5()
    if dialect == "postgresql":
        return PostgresFullText()
    raise ValueError(f"no full-text search for {dialect}")
