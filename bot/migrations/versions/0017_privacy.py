"""cases.personal_data_erased_at: when retention or a request erased the customer's personal data

Revision ID: 0017_privacy
Revises: 0014_drafts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0017_privacy'
down_revision = '0014_drafts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('personal_data_erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_status_resolved_erased', ['status', 'resolved_at', 'personal_data_erased_at'])


def downgrade() -> None:
    # SQLite drops the columns in place (3.35+): rebuilding `cases` would cascade-delete every row that
    # refers to a case (events, drafts, offers...).
    with op.batch_alter_table('cases', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_cases_status_resolved_erased')
        batch_op.drop_column('personal_data_erased_at')
