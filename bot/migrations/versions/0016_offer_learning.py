"""offers: where the thread note of an offer is (a newer offer marks it replaced); offer_outcomes and
offer_tallies, what each catalog entry did on each resolved case and their sums, for the ranking and the
report, filled here from the cases already resolved

Revision ID: 0016_offer_learning
Revises: 0017_privacy
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0016_offer_learning'
down_revision = '0017_privacy'
branch_labels = None
depends_on = None

# One row per resolved case and catalog entry that reached the customer, as bot/offers/learning.py
# (outcomes_of) keeps them: an alternative reached them when, with the offer's incentive, it fits what was
# allowed; taken when the latest recorded choice was it (an incentive: when they took an alternative or
# waited); satisfaction and final cost only where taken.
TAKEN = """CASE WHEN i.kind = 'alternative' AND ch.item_id = i.id THEN 1
      WHEN i.kind = 'incentive' AND ch.offer_id = o.id AND ch.choice IN ('alternative', 'wait') THEN 1
      ELSE 0 END"""
BACKFILL_OUTCOMES = f"""
INSERT INTO offer_outcomes (case_id, kind, catalog_id, cause, tier, taken, satisfaction, final_cost, resolved_at)
SELECT c.id, i.kind, i.catalog_id, c.cause, COALESCE(c.customer_tier, ''), MAX({TAKEN}) = 1,
       MAX(CASE WHEN {TAKEN} = 1 THEN r.satisfaction END), MAX(CASE WHEN {TAKEN} = 1 THEN ch.final_cost END),
       MAX(r.resolved_at)
FROM cases c
JOIN case_resolutions r ON r.case_id = c.id AND r.reopened_at IS NULL
JOIN offers o ON o.case_id = c.id AND o.state IN ('offered', 'superseded')
JOIN offer_items i ON i.offer_id = o.id
LEFT JOIN offer_items inc ON inc.offer_id = o.id AND inc.kind = 'incentive'
LEFT JOIN customer_choices ch ON ch.id = (SELECT MAX(x.id) FROM customer_choices x WHERE x.case_id = c.id)
WHERE c.status = 'resolved'
  AND (i.kind = 'incentive' OR i.cost + COALESCE(inc.cost, 0) <= COALESCE(o.approved_amount, o.exposure))
GROUP BY c.id, i.kind, i.catalog_id, c.cause, c.customer_tier
"""
BACKFILL_TALLIES = """
INSERT INTO offer_tallies (kind, catalog_id, cause, tier, offered, taken, satisfaction_sum, scored, cost_sum)
SELECT kind, catalog_id, cause, tier, COUNT(*), SUM(CASE WHEN taken THEN 1 ELSE 0 END),
       COALESCE(SUM(satisfaction), 0), COUNT(satisfaction), COALESCE(SUM(final_cost), 0)
FROM offer_outcomes GROUP BY kind, catalog_id, cause, tier
"""


def upgrade() -> None:
    with op.batch_alter_table('offers', schema=None, recreate='never') as batch_op:  # see downgrade
        batch_op.add_column(sa.Column('note_channel', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('note_ts', sa.String(length=32), nullable=True))
    op.create_table(
        'offer_outcomes',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('catalog_id', sa.String(length=40), nullable=False),
        sa.Column('cause', sa.String(length=40), nullable=False),
        sa.Column('tier', sa.String(length=40), nullable=False),
        sa.Column('taken', sa.Boolean(), nullable=False),
        sa.Column('satisfaction', sa.Integer(), nullable=True),
        sa.Column('final_cost', sa.BigInteger(), nullable=True),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_offer_outcomes_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', 'kind', 'catalog_id', name=op.f('pk_offer_outcomes')),
    )
    op.create_index(op.f('ix_offer_outcomes_resolved_at'), 'offer_outcomes', ['resolved_at'], unique=False)
    op.create_table(
        'offer_tallies',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('catalog_id', sa.String(length=40), nullable=False),
        sa.Column('cause', sa.String(length=40), nullable=False),
        sa.Column('tier', sa.String(length=40), nullable=False),
        sa.Column('offered', sa.Integer(), nullable=False),
        sa.Column('taken', sa.Integer(), nullable=False),
        sa.Column('satisfaction_sum', sa.Integer(), nullable=False),
        sa.Column('scored', sa.Integer(), nullable=False),
        sa.Column('cost_sum', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'catalog_id', 'cause', 'tier', name=op.f('pk_offer_tallies')),
    )
    op.execute(BACKFILL_OUTCOMES)
    op.execute(BACKFILL_TALLIES)


def downgrade() -> None:
    op.drop_table('offer_tallies')
    op.drop_index(op.f('ix_offer_outcomes_resolved_at'), table_name='offer_outcomes')
    op.drop_table('offer_outcomes')
    # Never a copy of the table: dropping the old one would delete every offer's items (ON DELETE CASCADE).
    with op.batch_alter_table('offers', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('note_ts')
        batch_op.drop_column('note_channel')
