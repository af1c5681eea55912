"""person_zones: each colleague's timezone from their Slack profile (users.info), cached so reminders to a
person land in their own working hours without asking Slack per reminder

Revision ID: 0025_person_zones
Revises: 0011_api
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0025_person_zones'
down_revision = '0011_api'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_zones',
        sa.Column('user_id', sa.String(length=32), nullable=False),
        sa.Column('tz', sa.String(length=64), nullable=True),
        sa.Column('tz_label', sa.String(length=100), nullable=True),
        sa.Column('tz_offset', sa.Integer(), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_index('ix_person_zones_checked_at', 'person_zones', ['checked_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_person_zones_checked_at', table_name='person_zones')
    op.drop_table('person_zones')
