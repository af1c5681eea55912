"""tracking: how each case ended (cost, satisfaction, lesson) and its action items

Revision ID: 0007_tracking
Revises: 0002_playbooks
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_tracking'
down_revision = '0002_playbooks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('final_cost', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('lesson_cause', sa.Text(), nullable=False),
    sa.Column('lesson_worked', sa.Text(), nullable=True),
    sa.Column('lesson_change', sa.Text(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('satisfaction_comment', sa.Text(), nullable=True),
    sa.Column('satisfaction_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction_by', sa.String(length=32), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_resolutions_case_id_cases'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_resolutions'))
    )
    with op.batch_alter_table('case_resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_resolutions_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_resolutions_resolved_at'), ['resolved_at'], unique=False)

    op.create_table('action_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('resolution_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=32), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_action_items_case_id_cases'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolution_id'], ['case_resolutions.id'],
                            name=op.f('fk_action_items_resolution_id_case_resolutions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_items'))
    )
    with op.batch_alter_table('action_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_items_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_action_items_open', ['done_at', 'overdue_at'], unique=False)
        batch_op.create_index('ix_action_items_owner', ['owner_id', 'done_at'], unique=False)


def downgrade() -> None:
    op.drop_table('action_items')
    op.drop_table('case_resolutions')
