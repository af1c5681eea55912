"""cases.cause_detail (what exactly happened), cases.promise_kind (goods, service or visit) and
cases.customer_language, so drafts say only what is true of the case, in words that fit what was promised,
in the customer's language

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


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cause_detail', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('promise_kind', sa.String(length=20), nullable=False,
                                      server_default='goods'))
        batch_op.add_column(sa.Column('customer_language', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('customer_language')
        batch_op.drop_column('promise_kind')
        batch_op.drop_column('cause_detail')
