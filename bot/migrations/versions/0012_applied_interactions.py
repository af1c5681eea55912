"""applied_interactions: the key of each Slack interaction applied, so a replay or retry changes nothing

Revision ID: 0012_applied_interactions
Revises: 0010_home_digest
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_applied_interactions'
down_revision = '0010_home_digest'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'applied_interactions',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_applied_interactions')),
    )
    op.create_index(op.f('ix_applied_interactions_applied_at'), 'applied_interactions', ['applied_at'])


def downgrade() -> None:
    op.drop_index(op.f('ix_applied_interactions_applied_at'), table_name='applied_interactions')
    op.drop_table('applied_interactions')
