"""applied_interactions: the key of each Slack interaction applied, so a replay or retry changes nothing;
reminders.uncertain_since: where a takeover starts looking for a post that may have landed

Revision ID: 0012_hardening
Revises: 0016_offer_learning
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0012_hardening'
down_revision = '0016_offer_learning'
branch_labels = None
depends_on = None

COMMIT_IN_TIME = """
CREATE FUNCTION applied_interactions_commit_in_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.commit_by IS NOT NULL AND clock_timestamp() > NEW.commit_by THEN
        RAISE EXCEPTION 'commit after the deadline %', NEW.commit_by USING ERRCODE = 'query_canceled';
    END IF;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        'applied_interactions',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('commit_by', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_applied_interactions')),
    )
    op.create_index(op.f('ix_applied_interactions_applied_at'), 'applied_interactions', ['applied_at'])
    if op.get_bind().dialect.name == 'postgresql':
        # Checked when the transaction commits, on the server's clock: a COMMIT that arrives after the
        # person was told nothing was saved (held up in the network) fails instead.
        op.execute(COMMIT_IN_TIME)
        op.execute("CREATE CONSTRAINT TRIGGER applied_interactions_commit_in_time AFTER INSERT ON "
                   "applied_interactions DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                   "EXECUTE FUNCTION applied_interactions_commit_in_time()")
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uncertain_since', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_column('uncertain_since')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER applied_interactions_commit_in_time ON applied_interactions")
        op.execute("DROP FUNCTION applied_interactions_commit_in_time()")
    op.drop_index(op.f('ix_applied_interactions_applied_at'), table_name='applied_interactions')
    op.drop_table('applied_interactions')
