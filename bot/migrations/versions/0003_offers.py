"""offers made to customers, their items, approval decisions, and the customer's choice

Revision ID: 0003_offers
Revises: 0008_knowledge_facets
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = '0003_offers'
down_revision = '0008_knowledge_facets'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('made_by', sa.String(length=32), nullable=False),
    sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('exposure', sa.BigInteger(), nullable=False),
    sa.Column('budget', sa.BigInteger(), nullable=False),
    sa.Column('budget_reasons', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('approval_reasons', sa.JSON(), nullable=False),
    sa.Column('approvers', sa.JSON(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=30), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_amount', sa.BigInteger(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_offers_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offers_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_offers_made_at', ['made_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_offers_state'), ['state'], unique=False)

    op.create_table('offer_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('catalog_id', sa.String(length=40), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('say', sa.Text(), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_items_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_items'))
    )
    with op.batch_alter_table('offer_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_offer_items_offer_id'), ['offer_id'], unique=False)

    op.create_table('customer_choices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=20), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('gesture', sa.Text(), nullable=True),
    sa.Column('final_cost', sa.BigInteger(), nullable=False),
    sa.Column('budget', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=32), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_customer_choices_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['offer_items.id'], name=op.f('fk_customer_choices_item_id_offer_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_customer_choices_offer_id_offers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_choices'))
    )
    with op.batch_alter_table('customer_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_choices_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_customer_choices_recorded_at', ['recorded_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('customer_choices', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_choices_recorded_at')
        batch_op.drop_index(batch_op.f('ix_customer_choices_case_id'))

    op.drop_table('customer_choices')
    with op.batch_alter_table('offer_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offer_items_offer_id'))

    op.drop_table('offer_items')
    with op.batch_alter_table('offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_offers_state'))
        batch_op.drop_index('ix_offers_made_at')
        batch_op.drop_index(batch_op.f('ix_offers_case_id'))

    op.drop_table('offers')
