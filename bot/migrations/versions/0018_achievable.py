"""cases.origin (where the item comes from: a country or a supplier named in lead_times.yaml) and the
case's achievable date: cases.achievable_date (buffer included), achievable_source (where it comes from,
in words) and achievable_eta (the order system's ETA it was computed from, if any).

Revision ID: 0018_achievable
Revises: 0020_satisfaction_step
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_achievable'
down_revision = '0020_satisfaction_step'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('achievable_date', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('achievable_source', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('achievable_eta', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place on SQLite (3.35+): rebuilding `cases` would cascade-delete every row that refers to a case.
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('achievable_eta')
        batch_op.drop_column('achievable_source')
        batch_op.drop_column('achievable_date')
        batch_op.drop_column('origin')
