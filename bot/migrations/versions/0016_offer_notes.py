"""offers.note_channel/note_ts: where the case thread says what was offered, so a newer offer marks it replaced

Revision ID: 0016_offer_notes
Revises: 0010_home_digest
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_offer_notes'
down_revision = '0010_home_digest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note_channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('note_ts', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_column('note_ts')
        batch_op.drop_column('note_channel')
