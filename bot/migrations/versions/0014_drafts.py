"""cases.cause_detail (what exactly happened), cases.promise_kind (goods, service or visit) and
cases.customer_language, so drafts say only what is true of the case, in words that fit what was promised,
in the customer's language; and the search index's "customer(s)" become "customerz", the form English
stemmers leave alone (they made "customer" and "customs" one word), as bot.knowledge.text now indexes them.
Entries in other scripts, dropped from the index until now, are indexed when next edited or imported.

Revision ID: 0014_drafts
Revises: 0010_home_digest
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0014_drafts'
down_revision = '0010_home_digest'
branch_labels = None
depends_on = None


def _pin(column: str) -> str:
    # Normalised text is single-space separated words: pad, replace whole words (twice, for neighbours).
    padded = f"' ' || {column} || ' '"
    for _ in range(2):
        padded = f"replace(replace({padded}, ' customers ', ' customerz '), ' customer ', ' customerz ')"
    return f"trim({padded})"


def upgrade() -> None:
    op.execute(f"UPDATE knowledge_entries SET index_title = {_pin('index_title')}, index_body = {_pin('index_body')} "
               "WHERE index_title LIKE '%customer%' OR index_body LIKE '%customer%'")
    op.execute("INSERT INTO knowledge_terms (term, entries) SELECT 'customerz', sum(entries) FROM knowledge_terms "
               "WHERE term IN ('customer', 'customers') HAVING count(*) > 0 "
               "AND NOT EXISTS (SELECT 1 FROM knowledge_terms WHERE term = 'customerz')")
    op.execute("DELETE FROM knowledge_terms WHERE term IN ('customer', 'customers')")
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('cause_detail', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('promise_kind', sa.String(length=20), nullable=False,
                                      server_default='goods'))
        batch_op.add_column(sa.Column('customer_language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    # SQLite drops the columns in place (3.35+): rebuilding `cases` would cascade-delete every row that
    # refers to a case (events, drafts, offers...).
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('customer_language')
        batch_op.drop_column('promise_kind')
        batch_op.drop_column('cause_detail')
