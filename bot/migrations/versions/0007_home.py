"""App Home: who opened it and on which page; indexes for its paged lists

Revision ID: 0007_home
Revises: 0007_tracking
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_home'
down_revision = '0007_tracking'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'app_homes',
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('team', sa.Boolean(), nullable=False),
        sa.Column('pages', sa.JSON(), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_app_homes')),
    )
    with op.batch_alter_table('app_homes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_app_homes_team'), ['team'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('app_homes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_homes_team'))
    op.drop_table('app_homes')
