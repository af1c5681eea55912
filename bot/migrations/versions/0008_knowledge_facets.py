"""best-practices index: filters (cause, kind, channel, author) as words of the full-text index

Revision ID: 0008_knowledge_facets
Revises: 0007_home
Create Date: 2026-12-01

A search filtered by cause used to read every matching entry's row to check its cause, and a common word
matches a large share of the index. Now each entry has `index_facets` ("kindmessage causestockout
chanc123 useru456"), indexed beside the title and the body, so the full-text engine intersects the
filter with the words itself. SQLite: the FTS5 table is recreated with the third column (and rebuilt);
PostgreSQL: the generated tsvector is recreated with the facets at weight D ('simple' configuration, no
stemming), and keeps more statistics (see _postgres_vector).
"""

import sqlalchemy as sa
from alembic import op

revision = '0008_knowledge_facets'
down_revision = '0007_home'
branch_labels = None
depends_on = None

FACETS = ("'kind' || kind || coalesce(' cause' || replace(cause, '-', ''), '') "
          "|| coalesce(' chan' || lower(channel_id), '') || coalesce(' user' || lower(author_id), '')")
TRIGGERS = ("knowledge_entries_ai", "knowledge_entries_ad", "knowledge_entries_au")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('knowledge_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('index_facets', sa.Text(), nullable=False, server_default=''))
    if bind.dialect.name == "sqlite":
        _drop_sqlite_fts()
        op.execute(f"UPDATE knowledge_entries SET index_facets = {FACETS}")
        _sqlite_fts(("index_title", "index_body", "index_facets"))
    else:
        op.execute(f"UPDATE knowledge_entries SET index_facets = {FACETS}")
        _postgres_vector("|| setweight(to_tsvector('simple'::regconfig, index_facets), 'D')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _drop_sqlite_fts()
    else:
        _postgres_vector("")
    with op.batch_alter_table('knowledge_entries', schema=None) as batch_op:
        batch_op.drop_column('index_facets')
    if bind.dialect.name == "sqlite":
        _sqlite_fts(("index_title", "index_body"))


def _drop_sqlite_fts() -> None:
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS knowledge_fts")


def _sqlite_fts(columns: tuple[str, ...]) -> None:
    listed = ", ".join(columns)
    op.execute(f"CREATE VIRTUAL TABLE knowledge_fts USING fts5({listed}, content='knowledge_entries', "
               "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')")
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    insert = f"INSERT INTO knowledge_fts(rowid, {listed}) VALUES (new.id, {new});"
    delete = f"INSERT INTO knowledge_fts(knowledge_fts, rowid, {listed}) VALUES ('delete', old.id, {old});"
    op.execute(f"CREATE TRIGGER knowledge_entries_ai AFTER INSERT ON knowledge_entries BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER knowledge_entries_ad AFTER DELETE ON knowledge_entries BEGIN {delete} END")
    op.execute(f"CREATE TRIGGER knowledge_entries_au AFTER UPDATE OF {listed} ON knowledge_entries "
               f"BEGIN {delete} {insert} END")
    op.execute("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('rebuild')")


def _postgres_vector(facets: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_knowledge_entries_search_vector")
    op.execute("ALTER TABLE knowledge_entries DROP COLUMN search_vector")
    op.execute("ALTER TABLE knowledge_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
               "setweight(to_tsvector('english'::regconfig, index_title), 'A') || "
               f"setweight(to_tsvector('english'::regconfig, index_body), 'B') {facets}) STORED")
    op.execute("CREATE INDEX ix_knowledge_entries_search_vector ON knowledge_entries USING gin (search_vector)")
    # Search takes the newest matches (ORDER BY id DESC LIMIT n). Whether to walk the primary key back or to
    # collect the matches with the GIN index depends on how rare the words are; with the default statistics
    # (100) the planner takes any word outside the 1000 commonest for a common one and may walk the whole
    # table for a handful of matches.
    op.execute("ALTER TABLE knowledge_entries ALTER COLUMN search_vector SET STATISTICS 2000")
