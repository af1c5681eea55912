"""Recall@5 on the labelled query set (misspellings, word order, synonyms, filters), among synthetic
distractors, on SQLite and PostgreSQL, and no worse than a rapidfuzz scan of every entry."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bench.knowledge_corpus import messages
from bench.search_eval import filters_of, load_labelled, naive_top5, recall_at_5
from bot.db import Database
from bot.knowledge.index import Curation, SourceMessage, index_message
from bot.knowledge.models import Entry
from bot.knowledge.query import parse_query
from bot.knowledge.search import SearchEngine
from bot.knowledge.synonyms import load_synonyms
from bot.knowledge.text import normalize

DISTRACTORS = 800
ZONE = ZoneInfo("UTC")


def test_recall_at_5_on_the_labelled_set(db_url: str) -> None:
    labelled = load_labelled()
    db = Database(db_url)
    now = datetime(2026, 11, 1, tzinfo=UTC)
    base = 1_760_000_000
    names: dict[str, str] = {}
    with db.transaction() as session:
        for n, (text, cause) in enumerate(messages(DISTRACTORS)):
            index_message(session, SourceMessage("C0BENCH", f"{base + n}.000000", "U0BENCH", text), now=now,
                          curation=Curation(None, cause, (), "U0BENCH"))
        for n, (name, (text, cause)) in enumerate(labelled.entries.items()):
            message = SourceMessage("C0BENCH", f"{base + DISTRACTORS + n}.000000", "U0BENCH", text)
            index_message(session, message, now=now, curation=Curation(None, cause, (), "U0BENCH"))
            names[message.key] = name
    with db.transaction() as session:
        engine, _ = SearchEngine.for_session(session, load_synonyms())
        rows = session.execute(select(Entry.source_key, Entry.body, Entry.cause)).all()

    def ours(query: str) -> list[str]:
        parsed = parse_query(query, zone=ZONE)
        with db.transaction() as session:
            page = engine.search(session, parsed, filters_of(parsed), limit=5)
        return [names.get(h.entry.source_key, "") for h in page.hits]

    texts = [normalize(body) for _, body, _ in rows]
    causes = [cause for _, _, cause in rows]
    row_names = [names.get(key) for key, _, _ in rows]

    def naive(query: str) -> list[str]:
        parsed = parse_query(query, zone=ZONE)
        return naive_top5(" ".join(parsed.words + tuple(w for p in parsed.phrases for w in p)), parsed.cause, texts,
                          causes, row_names)

    recall, missed = recall_at_5(labelled, ours)
    baseline, _ = recall_at_5(labelled, naive)
    db.dispose()
    print(f"recall@5: ours {recall:.2f}, full rapidfuzz scan {baseline:.2f}")
    assert recall >= 0.95, f"recall@5 {recall:.2f}; missed {missed}"
    assert recall >= baseline, f"recall@5 {recall:.2f} is below the full rapidfuzz scan's {baseline:.2f}"
