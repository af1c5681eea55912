"""The shipped playbooks' "Check they are satisfied" step is answered by the resolve form's score
(action record_satisfaction): open cases' checklists, copied when they opened, get the action too, so the
step stops blocking their resolve form.

Revision ID: 0020_satisfaction_step
Revises: 0021_view_seal
Create Date: 2026-12-07
"""

from alembic import op

revision = '0020_satisfaction_step'
down_revision = '0021_view_seal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE playbook_steps SET action = 'record_satisfaction' "
               "WHERE step_id = 'confirm-satisfaction' AND action IS NULL")


def downgrade() -> None:
    op.execute("UPDATE playbook_steps SET action = NULL "
               "WHERE step_id = 'confirm-satisfaction' AND action = 'record_satisfaction'")
