"""best-practices index: entries, replies, vocabulary, tombstones, seen events, imports; full-text indexes

Revision ID: 0006_knowledge
Revises: 0006_reminders_key_index
Create Date: 2026-11-24

SQLite: an external-content FTS5 table over (index_title, index_body), kept in step by triggers (so a
case deleted through the foreign key leaves the full-text index too), Porter stemming.
PostgreSQL: a generated tsvector column (English configuration, title weighted A) with a GIN index, and
a trigram index on the vocabulary when the pg_trgm extension is available or can be created (it is a
trusted extension: a database owner without superuser can create it). Without it, typo correction runs
in the bot's process instead; nothing else changes.
"""

import logging

import sqlalchemy as sa
from alembic import op

revision = '0006_knowledge'
down_revision = '0006_reminders_key_index'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

TRGM_SCHEMA = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                      "WHERE e.extname = 'pg_trgm'")


def upgrade() -> None:
    op.create_table('knowledge_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('permalink', sa.Text(), nullable=True),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('cause', sa.String(length=40), nullable=True),
    sa.Column('tags', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('saved_by', sa.String(length=32), nullable=True),
    sa.Column('index_title', sa.Text(), nullable=False),
    sa.Column('index_body', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_knowledge_entries_case_id_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_entries')),
    sa.UniqueConstraint('case_id', name=op.f('uq_knowledge_entries_case_id')),
    sa.UniqueConstraint('source_key', name=op.f('uq_knowledge_entries_source_key'))
    )
    with op.batch_alter_table('knowledge_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_entries_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_entries_cause'), ['cause'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_entries_channel_id'), ['channel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_entries_posted_at'), ['posted_at'], unique=False)

    op.create_table('knowledge_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('message_ts', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['knowledge_entries.id'],
                            name=op.f('fk_knowledge_replies_entry_id_knowledge_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_replies')),
    sa.UniqueConstraint('source_key', name=op.f('uq_knowledge_replies_source_key'))
    )
    with op.batch_alter_table('knowledge_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_replies_entry_id'), ['entry_id'], unique=False)

    op.create_table('knowledge_tombstones',
    sa.Column('source_key', sa.String(length=80), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('source_key', name=op.f('pk_knowledge_tombstones'))
    )
    with op.batch_alter_table('knowledge_tombstones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_tombstones_deleted_at'), ['deleted_at'], unique=False)

    op.create_table('knowledge_seen_events',
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_knowledge_seen_events'))
    )
    with op.batch_alter_table('knowledge_seen_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_seen_events_seen_at'), ['seen_at'], unique=False)

    op.create_table('knowledge_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_terms')),
    sa.UniqueConstraint('term', name=op.f('uq_knowledge_terms_term'))
    )

    op.create_table('knowledge_imports',
    sa.Column('channel_id', sa.String(length=32), nullable=False),
    sa.Column('resume_before', sa.String(length=32), nullable=True),
    sa.Column('complete_through', sa.String(length=32), nullable=True),
    sa.Column('newest_seen', sa.String(length=32), nullable=True),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('messages', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel_id', name=op.f('pk_knowledge_imports'))
    )

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_fts()
    elif bind.dialect.name == "postgresql":
        _postgres_fts(bind)


def _sqlite_fts() -> None:
    op.execute("CREATE VIRTUAL TABLE knowledge_fts USING fts5(index_title, index_body, "
               "content='knowledge_entries', content_rowid='id', "
               "tokenize='porter unicode61 remove_diacritics 2')")
    insert = ("INSERT INTO knowledge_fts(rowid, index_title, index_body) "
              "VALUES (new.id, new.index_title, new.index_body);")
    delete = ("INSERT INTO knowledge_fts(knowledge_fts, rowid, index_title, index_body) "
              "VALUES ('delete', old.id, old.index_title, old.index_body);")
    op.execute(f"CREATE TRIGGER knowledge_entries_ai AFTER INSERT ON knowledge_entries BEGIN {insert} END")
    op.execute(f"CREATE TRIGGER knowledge_entries_ad AFTER DELETE ON knowledge_entries BEGIN {delete} END")
    op.execute("CREATE TRIGGER knowledge_entries_au AFTER UPDATE OF index_title, index_body ON knowledge_entries "
               f"BEGIN {delete} {insert} END")


def _postgres_fts(bind: sa.engine.Connection) -> None:
    op.execute("ALTER TABLE knowledge_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
               "setweight(to_tsvector('english'::regconfig, index_title), 'A') || "
               "setweight(to_tsvector('english'::regconfig, index_body), 'B')) STORED")
    op.execute("CREATE INDEX ix_knowledge_entries_search_vector ON knowledge_entries USING gin (search_vector)")
    schema = _trigram_schema(bind)
    if schema is None:
        return
    op.execute(f'CREATE INDEX ix_knowledge_terms_trgm ON knowledge_terms USING gin (term "{schema}".gin_trgm_ops)')


def _trigram_schema(bind: sa.engine.Connection) -> str | None:
    """Where pg_trgm lives, creating it if this role may. In `public` when possible, so that a schema
    dropped later (a per-test schema, say) never takes the extension away from everyone else."""
    schema = bind.scalar(TRGM_SCHEMA)
    reason = None
    for statement in ("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
                      "CREATE EXTENSION IF NOT EXISTS pg_trgm"):
        if schema is not None:
            break
        try:
            with bind.begin_nested():
                bind.execute(sa.text(statement))
        except sa.exc.DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        schema = bind.scalar(TRGM_SCHEMA)
    if schema is None:
        log.warning("pg_trgm is not available (%s). Search still works; typo correction runs in the bot's "
                    "process instead of in PostgreSQL. To enable it, have a database owner run: CREATE EXTENSION "
                    "pg_trgm; then `amends index status` shows the SQL for the vocabulary index.", reason)
    return schema


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("knowledge_entries_ai", "knowledge_entries_ad", "knowledge_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_table('knowledge_imports')
    op.drop_table('knowledge_terms')
    with op.batch_alter_table('knowledge_seen_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_seen_events_seen_at'))
    op.drop_table('knowledge_seen_events')
    with op.batch_alter_table('knowledge_tombstones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_tombstones_deleted_at'))
    op.drop_table('knowledge_tombstones')
    with op.batch_alter_table('knowledge_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_replies_entry_id'))
    op.drop_table('knowledge_replies')
    with op.batch_alter_table('knowledge_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_entries_posted_at'))
        batch_op.drop_index(batch_op.f('ix_knowledge_entries_channel_id'))
        batch_op.drop_index(batch_op.f('ix_knowledge_entries_cause'))
        batch_op.drop_index(batch_op.f('ix_knowledge_entries_author_id'))
    op.drop_table('knowledge_entries')
