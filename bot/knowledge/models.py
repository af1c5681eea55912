"""Tables of the best-practices index.

An entry is one searchable thing and remembers its source (`source_key`): a Slack message with its
thread ("slack:C123:1712.000100") or a resolved case ("case:42"). Deleting the source deletes the entry:
Slack deletions through the Events API, cases through the foreign key.

The full-text index itself lives beside these tables and is created by the migration, per database:
SQLite has an FTS5 table kept in step by triggers; PostgreSQL a generated tsvector column with a GIN
index over (id / 25000, tsvector) when btree_gin is available, else over the tsvector (both over
index_title, index_body and index_facets).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, UTCDateTime


class EntryKind(StrEnum):
    MESSAGE = "message"  # a message in a best-practices channel, or one saved with the shortcut
    CASE = "case"        # a resolved case

    @property
    def label(self) -> str:
        return {"message": "Slack message", "case": "Resolved case"}[self.value]


class Entry(Base):
    __tablename__ = "knowledge_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    # Where it came from: a channel message (channel_id, message_ts) or a case (case_id, its thread).
    channel_id: Mapped[str | None] = mapped_column(String(32), index=True)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[str | None] = mapped_column(String(32), index=True)
    permalink: Mapped[str | None] = mapped_column(Text)
    # What people see: plain text (Slack markup already turned into words), escaped when rendered.
    title: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str | None] = mapped_column(String(40), index=True)
    tags: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(40))
    saved_by: Mapped[str | None] = mapped_column(String(32))
    # What the full-text index reads (see text.normalize): the title, and everything else.
    index_title: Mapped[str] = mapped_column(Text, default="")
    index_body: Mapped[str] = mapped_column(Text, default="")
    # What filters match, as words of the full-text index: "kindcase causestockout chanc123 useru456".
    index_facets: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The newest edit applied (a Slack edited.ts, or the message ts); older events are ignored.
    version: Mapped[str] = mapped_column(String(32), default="")
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.body.splitlines() if line.strip()), "")


class Reply(Base):
    """A thread reply under an indexed message: its words are searched as part of the parent."""

    __tablename__ = "knowledge_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str] = mapped_column(String(80), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entries.id", ondelete="CASCADE"), index=True)
    message_ts: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[str | None] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Tombstone(Base):
    """A deleted Slack message. A late retry or an import page fetched before the deletion must not bring
    it back, so indexing checks here first. Purged after a week, long after Slack stops retrying."""

    __tablename__ = "knowledge_tombstones"

    source_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SeenEvent(Base):
    """Events API deliveries already handled: Slack retries a delivery with the same event_id. The primary
    key makes a second replica's insert of the same id a no-op, so exactly one of them indexes it."""

    __tablename__ = "knowledge_seen_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Term(Base):
    """The index vocabulary: each word and how many entries hold it, for correcting query words."""

    __tablename__ = "knowledge_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(40), unique=True)
    entries: Mapped[int] = mapped_column(Integer, default=0)


class ImportRun(Base):
    """Where `amends index import` stands for a channel, so an interrupted import resumes."""

    __tablename__ = "knowledge_imports"

    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Everything newer than `resume_before` down to it is done; None: start from the newest message.
    resume_before: Mapped[str | None] = mapped_column(String(32))
    # The newest message seen by a finished import; the next run only reads what came after it.
    complete_through: Mapped[str | None] = mapped_column(String(32))
    newest_seen: Mapped[str | None] = mapped_column(String(32))
    finished: Mapped[bool] = mapped_column(default=False)
    messages: Mapped[int] = mapped_column(Integer, default=0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
