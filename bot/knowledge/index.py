"""Putting things into the index and taking them out. Plain values in; the caller owns the transaction.

Everything here is safe to repeat and to run on several replicas at once, because Slack repeats itself
(retries, an import overlapping live events) and replicas race:

* rows are created with INSERT ... ON CONFLICT DO NOTHING on their source key, then locked and updated,
  so two writers of one message never produce two entries or a unique-violation error;
* an update applies only if it is at least as new as what is stored (`version` is the message's
  edited.ts, else its ts), so a late retry of an old event can't undo an edit;
* a deleted message leaves a tombstone, so a late retry or an import page read before the deletion
  can't bring it back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.cases.causes import Cause
from bot.knowledge.models import Entry, EntryKind, Reply, SeenEvent, Term, Tombstone
from bot.knowledge.text import counted_facets, entry_facets, normalize, vocabulary_terms

KEEP_TOMBSTONES = timedelta(days=7)


@dataclass(frozen=True)
class SourceMessage:
    """A Slack message as the index needs it: its text already turned into plain words."""

    channel_id: str
    ts: str
    author_id: str | None
    text: str
    thread_ts: str | None = None
    edited_ts: str | None = None
    permalink: str | None = None

    @property
    def key(self) -> str:
        return message_key(self.channel_id, self.ts)

    @property
    def parent_key(self) -> str | None:
        return message_key(self.channel_id, self.thread_ts) if self.is_reply else None

    @property
    def is_reply(self) -> bool:
        return bool(self.thread_ts) and self.thread_ts != self.ts

    @property
    def version(self) -> str:
        return self.edited_ts or self.ts

    @property
    def posted_at(self) -> datetime:
        return slack_time(self.ts)


@dataclass(frozen=True)
class Curation:
    """What someone added when saving a message as a best practice."""

    title: str | None
    cause: str | None
    tags: tuple[str, ...]
    saved_by: str


def message_key(channel_id: str, ts: str | None) -> str:
    return f"slack:{channel_id}:{ts}"


def case_key(case_id: int) -> str:
    return f"case:{case_id}"


def slack_time(ts: str) -> datetime:
    return datetime.fromtimestamp(float(ts), UTC)


def _ts(value: str) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return Decimal(0)


def is_newer(incoming: str, stored: str) -> bool:
    """Whether `incoming` (a Slack ts) is at least as new as `stored`; equal re-applies harmlessly."""
    return _ts(incoming) >= _ts(stored)


# ---------------------------------------------------------------------- small SQL helpers


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def insert_ignore(session: Session, model: type[Any], values: dict[str, Any], key: str) -> bool:
    """INSERT ... ON CONFLICT (key) DO NOTHING; whether this call inserted the row. Told by RETURNING, not
    rowcount: psycopg reports -1 (unknown, truthy) for this statement, so on PostgreSQL every re-index of an
    existing entry counted its words in the vocabulary again."""
    statement = (_insert(session)(model).values(**values).on_conflict_do_nothing(index_elements=[key])
                 .returning(getattr(model, key)))
    return session.execute(statement).first() is not None


def apply_term_counts(session: Session, deltas: Counter[str]) -> None:
    """Add each delta to the vocabulary. Sorted, so concurrent writers lock rows in one order (no deadlock).
    One statement, executed for every row (executemany): a multi-row VALUES would be compiled anew for
    each batch, which dominated building a large index."""
    rows = [{"term": term, "entries": delta} for term, delta in sorted(deltas.items()) if delta]
    if not rows:
        return
    statement = _insert(session)(Term).values(term=bindparam("term"), entries=bindparam("entries"))
    statement = statement.on_conflict_do_update(index_elements=[Term.term],
                                                set_={"entries": Term.entries + statement.excluded.entries})
    session.connection().execute(statement, rows)


def claim_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time an Events API delivery is seen; False for Slack's retries of it."""
    return insert_ignore(session, SeenEvent, {"event_id": event_id, "seen_at": now}, "event_id")


def tombstoned(session: Session, key: str) -> bool:
    return session.get(Tombstone, key) is not None


def locked_entry(session: Session, key: str) -> Entry | None:
    return session.scalar(select(Entry).where(Entry.source_key == key).with_for_update())


# ---------------------------------------------------------------------- documents


def _index_text(entry: Entry, replies: Sequence[str]) -> tuple[str, str]:
    extras = [entry.body, *replies]
    if entry.cause:
        extras.append(Cause(entry.cause).label if entry.cause in Cause._value2member_map_ else entry.cause)
    if entry.tags:
        extras.append(entry.tags)
    return normalize(entry.title or ""), normalize("\n".join(extras))


def entry_terms(entry: Entry) -> set[str]:
    """The vocabulary rows counting `entry`: its words and its filter words."""
    return vocabulary_terms(f"{entry.index_title} {entry.index_body}") | counted_facets(entry.index_facets or "")


def reindex(session: Session, entry: Entry, *, before: set[str] | None = None) -> None:
    """Recompute what the full-text index reads for `entry`, and the vocabulary counts with it."""
    replies = session.scalars(select(Reply.text).where(Reply.entry_id == entry.id).order_by(Reply.posted_at,
                                                                                            Reply.id)).all()
    before = entry_terms(entry) if before is None else before
    entry.index_title, entry.index_body = _index_text(entry, replies)
    entry.index_facets = entry_facets(entry.kind, entry.cause, entry.channel_id, entry.author_id)
    after = entry_terms(entry)
    deltas: Counter[str] = Counter()
    deltas.update(after - before)
    deltas.subtract(before - after)
    apply_term_counts(session, deltas)
    session.flush()


def forget(session: Session, entry: Entry) -> None:
    apply_term_counts(session, Counter({term: -1 for term in entry_terms(entry)}))
    session.delete(entry)
    session.flush()


# ---------------------------------------------------------------------- Slack messages


def index_message(session: Session, message: SourceMessage, *, now: datetime,
                  curation: Curation | None = None) -> Entry | None:
    """Index a top-level message, new or edited (or saved with the shortcut, with `curation`).

    Returns None when the message was deleted meanwhile (a tombstone exists)."""
    if tombstoned(session, message.key):
        return None
    created = insert_ignore(session, Entry, {
        "source_key": message.key, "kind": EntryKind.MESSAGE, "channel_id": message.channel_id,
        "message_ts": message.ts, "author_id": message.author_id, "permalink": message.permalink,
        "body": "", "index_title": "", "index_body": "", "version": "", "posted_at": message.posted_at,
        "updated_at": now,
    }, "source_key")
    entry = locked_entry(session, message.key)
    assert entry is not None
    before = set() if created else entry_terms(entry)
    changed = False
    if is_newer(message.version, entry.version):
        entry.body = message.text
        entry.version = message.version
        entry.author_id = message.author_id or entry.author_id
        entry.permalink = message.permalink or entry.permalink
        changed = True
    if curation is not None:
        entry.title = curation.title
        entry.cause = curation.cause
        entry.tags = ", ".join(curation.tags) or None
        entry.saved_by = curation.saved_by
        changed = True
    if changed:
        entry.updated_at = now
        reindex(session, entry, before=before)
    return entry


def index_reply(session: Session, message: SourceMessage, *, now: datetime) -> Entry | None:
    """Attach a thread reply (new or edited) to its parent's entry and re-index the parent.

    Returns None when the parent is not indexed (the caller may index it first) or either was deleted."""
    parent_key = message.parent_key
    if parent_key is None or tombstoned(session, message.key):
        return None
    entry = locked_entry(session, parent_key)
    if entry is None:
        return None
    created = insert_ignore(session, Reply, {
        "source_key": message.key, "entry_id": entry.id, "message_ts": message.ts, "author_id": message.author_id,
        "text": message.text, "version": message.version, "posted_at": message.posted_at,
    }, "source_key")
    if not created:
        reply = session.scalar(select(Reply).where(Reply.source_key == message.key))
        if reply is None or not is_newer(message.version, reply.version):
            return entry
        reply.text, reply.version = message.text, message.version
    entry.updated_at = now
    reindex(session, entry)
    return entry


def has_entry(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).select_from(Entry).where(Entry.source_key == key)) > 0


def has_reply(session: Session, key: str) -> bool:
    return session.scalar(select(func.count()).select_from(Reply).where(Reply.source_key == key)) > 0


def remove_message(session: Session, channel_id: str, ts: str, *, now: datetime) -> bool:
    """A Slack message was deleted: drop its entry (with the thread) and its place in a parent's thread,
    and remember the deletion."""
    key = message_key(channel_id, ts)
    insert_ignore(session, Tombstone, {"source_key": key, "deleted_at": now}, "source_key")
    removed = False
    entry = locked_entry(session, key)
    if entry is not None:
        forget(session, entry)
        removed = True
    reply = session.scalar(select(Reply).where(Reply.source_key == key))
    if reply is not None:
        parent = session.scalar(select(Entry).where(Entry.id == reply.entry_id).with_for_update())
        session.delete(reply)
        session.flush()
        if parent is not None:
            parent.updated_at = now
            reindex(session, parent)
        removed = True
    return removed


def index_history(session: Session, messages: Iterable[SourceMessage], *, now: datetime) -> int:
    """Index a page of channel history (parents before their replies); returns how many were indexed."""
    done = 0
    for message in messages:
        entry = index_reply(session, message, now=now) if message.is_reply else index_message(session, message,
                                                                                              now=now)
        done += entry is not None
    return done


def purge(session: Session, now: datetime, *, keep: timedelta = KEEP_TOMBSTONES) -> None:
    """Forget tombstones and seen event ids once Slack can no longer retry or replay them."""
    cutoff = now - keep
    session.execute(delete(Tombstone).where(Tombstone.deleted_at < cutoff))
    session.execute(delete(SeenEvent).where(SeenEvent.seen_at < cutoff))


def index_new_messages(session: Session, messages: Sequence[tuple[SourceMessage, str | None]], *,
                       now: datetime) -> None:
    """Bulk-add top-level messages (with a cause each) known to be new: one multi-row insert and one
    vocabulary update. For benchmarks and first loads; live indexing goes through index_message."""
    rows, counts = [], Counter[str]()
    for message, cause in messages:
        entry = Entry(body=message.text, cause=cause)
        title, body = _index_text(entry, ())
        facets = entry_facets(EntryKind.MESSAGE, cause, message.channel_id, message.author_id)
        counts.update(vocabulary_terms(f"{title} {body}") | counted_facets(facets))
        rows.append({"source_key": message.key, "kind": EntryKind.MESSAGE, "channel_id": message.channel_id,
                     "message_ts": message.ts, "author_id": message.author_id, "permalink": message.permalink,
                     "body": message.text, "cause": cause, "index_title": title, "index_body": body,
                     "index_facets": facets,
                     "version": message.version, "posted_at": message.posted_at, "updated_at": now})
    session.execute(_insert(session)(Entry), rows)
    apply_term_counts(session, counts)
