"""app_homes.digest: what the last published Home showed, so a refresh that changes nothing isn't sent

Revision ID: 0010_home_digest
Revises: 0009_knowledge_blocks
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0010_home_digest'
down_revision = '0009_knowledge_blocks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_homes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app_homes', schema=None) as batch_op:
        batch_op.drop_column('digest')
