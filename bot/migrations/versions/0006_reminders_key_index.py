"""index reminders by dedupe key and state

Revision ID: 0006_reminders_key_index
Revises: 0004_drafting
Create Date: 2026-11-23
"""

from alembic import op

revision = '0006_reminders_key_index'
down_revision = '0004_drafting'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_key_state', ['dedupe_key', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_key_state')
