"""best-practices index: filter counts in the vocabulary; PostgreSQL's index in blocks of 25,000 entries

Revision ID: 0009_knowledge_blocks
Revises: 0003_offers
Create Date: 2026-12-01

Search now estimates how many entries a query matches before asking the full-text index (backends.
scan_plan), so the vocabulary also counts the entries holding each filter word, as "~" + the word
("~causestockout"): no typed word can be one, since vocabulary words are letters only.

PostgreSQL: the GIN index over the tsvector becomes a GIN index over (id / 25000, tsvector), which needs
the btree_gin extension. A query can then read the newest blocks of entries only: GIN skips every posting
outside them, where the whole index reads every posting of every query word (30-40 ms at 1M entries for
a few common words). Without btree_gin the plain index stays and search reads all of it; `amends index
status` says how to add the extension. The vocabulary's trigram index goes: typo correction runs in the
bot's process on both databases (vocabulary.py says why).
"""

import logging
from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = '0009_knowledge_blocks'
down_revision = '0003_offers'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

BLOCKS = ("CREATE INDEX ix_knowledge_entries_search_blocks ON knowledge_entries "
          "USING gin ((id / 25000), search_vector)")
PLAIN = "CREATE INDEX ix_knowledge_entries_search_vector ON knowledge_entries USING gin (search_vector)"
BTREE_GIN = sa.text("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
UPSERT = sa.text("INSERT INTO knowledge_terms (term, entries) VALUES (:term, :entries) "
                 "ON CONFLICT (term) DO UPDATE SET entries = knowledge_terms.entries + excluded.entries")


def upgrade() -> None:
    bind = op.get_bind()
    counts: Counter[str] = Counter()
    for (facets,) in bind.execute(sa.text("SELECT index_facets FROM knowledge_entries")):
        counts.update({("~" + word)[:40] for word in (facets or "").split()})
    if counts:
        bind.execute(UPSERT, [{"term": term, "entries": n} for term, n in sorted(counts.items())])
    if bind.dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_knowledge_terms_trgm")
    if not _btree_gin(bind):
        return
    op.execute(BLOCKS)
    op.execute("DROP INDEX IF EXISTS ix_knowledge_entries_search_vector")


def downgrade() -> None:
    bind = op.get_bind()
    op.execute("DELETE FROM knowledge_terms WHERE term LIKE '~%'")
    if bind.dialect.name != "postgresql":
        return
    op.execute(PLAIN.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
    op.execute("DROP INDEX IF EXISTS ix_knowledge_entries_search_blocks")


def _btree_gin(bind: sa.engine.Connection) -> bool:
    """Whether btree_gin is there, creating it if this role may (in `public`, so that a schema dropped
    later, a per-test schema say, never takes it away from everyone else)."""
    reason = None
    for statement in ("CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public",
                      "CREATE EXTENSION IF NOT EXISTS btree_gin"):
        if bind.scalar(BTREE_GIN) is not None:
            return True
        try:
            with bind.begin_nested():
                bind.execute(sa.text(statement))
        except sa.exc.DBAPIError as exc:  # no permission, or another session created it at the same time
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    if bind.scalar(BTREE_GIN) is not None:
        return True
    log.warning("btree_gin is not available (%s). Search still works, but reads the whole full-text index for "
                "every query, which is slow past about 100,000 entries; `amends index status` shows the SQL "
                "to run once a database owner has run CREATE EXTENSION btree_gin.", reason)
    return False
