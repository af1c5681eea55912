"""cases and case events

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('severity', sa.String(length=20), nullable=False),
    sa.Column('customer_name', sa.Text(), nullable=False),
    sa.Column('customer_contact', sa.Text(), nullable=True),
    sa.Column('customer_tier', sa.String(length=40), nullable=True),
    sa.Column('order_ref', sa.Text(), nullable=False),
    sa.Column('promise', sa.Text(), nullable=False),
    sa.Column('promised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('new_date', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cause', sa.String(length=40), nullable=False),
    sa.Column('order_value', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('owner_id', sa.String(length=32), nullable=False),
    sa.Column('reporter_id', sa.String(length=32), nullable=False),
    sa.Column('channel_id', sa.String(length=32), nullable=True),
    sa.Column('message_ts', sa.String(length=32), nullable=True),
    sa.Column('permalink', sa.Text(), nullable=True),
    sa.Column('customer_contacted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('ref', name=op.f('uq_cases_ref'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_cause'), ['cause'], unique=False)
        batch_op.create_index('ix_cases_owner_status', ['owner_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_status'), ['status'], unique=False)

    op.create_table('case_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.String(length=32), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_events_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_events'))
    )
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_events_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_events_case_id'))

    op.drop_table('case_events')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_status'))
        batch_op.drop_index('ix_cases_owner_status')
        batch_op.drop_index(batch_op.f('ix_cases_cause'))

    op.drop_table('cases')
