"""playbook_checks.note: a short note on each keep-the-promise check (which store was called, which engineer);
drafts.replaced_by: the edited draft that replaced a posted one (whose buttons are then retired)

Revision ID: 0013_check_notes
Revises: 0012_hardening
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0013_check_notes'
down_revision = '0012_hardening'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('playbook_checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaced_by', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('replaced_by')
    with op.batch_alter_table('playbook_checks', schema=None) as batch_op:
        batch_op.drop_column('note')
