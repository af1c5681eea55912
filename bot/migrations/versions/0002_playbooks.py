"""playbooks: each case's playbook, its steps, checks and notes

Revision ID: 0002_playbooks
Revises: 0006_knowledge
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0002_playbooks'
down_revision = '0006_knowledge'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_playbooks',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('playbook_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('path', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('attached_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_playbooks_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_playbooks'))
    )
    op.create_table('playbook_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('recorded_by', sa.String(length=32), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_rev', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_playbooks.case_id'], name=op.f('fk_playbook_checks_case_id_case_playbooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playbook_checks')),
    sa.UniqueConstraint('case_id', 'check_id', name=op.f('uq_playbook_checks_case_id'))
    )
    op.create_table('playbook_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=40), nullable=False),
    sa.Column('author_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_playbooks.case_id'], name=op.f('fk_playbook_notes_case_id_case_playbooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playbook_notes'))
    )
    with op.batch_alter_table('playbook_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playbook_notes_case_id'), ['case_id'], unique=False)

    op.create_table('playbook_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('step_id', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('track', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_by', sa.String(length=32), nullable=True),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_rev', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_playbooks.case_id'], name=op.f('fk_playbook_steps_case_id_case_playbooks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_playbook_steps')),
    sa.UniqueConstraint('case_id', 'step_id', name=op.f('uq_playbook_steps_case_id'))
    )
    with op.batch_alter_table('playbook_steps', schema=None) as batch_op:
        batch_op.create_index('ix_playbook_steps_status_due', ['status', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('playbook_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_playbook_steps_status_due')

    op.drop_table('playbook_steps')
    with op.batch_alter_table('playbook_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playbook_notes_case_id'))

    op.drop_table('playbook_notes')
    op.drop_table('playbook_checks')
    op.drop_table('case_playbooks')
