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

INDEXES = [
    ('cases', 'ix_cases_status_severity', ['status', 'severity', 'promised_at']),
    ('cases', 'ix_cases_status_contacted_promised', ['status', 'customer_contacted_at', 'promised_at']),
    ('cases', 'ix_cases_created_cause', ['created_at', 'cause']),
    ('playbook_steps', 'ix_playbook_steps_case_status', ['case_id', 'status', 'position']),
    ('reminders', 'ix_reminders_case_state_due', ['case_id', 'state', 'due_at']),
]


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
    # The Home's paged lists, counts and per-page lookups (measured with bench/app_home.py).
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table('app_homes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_app_homes_team'))
    op.drop_table('app_homes')
