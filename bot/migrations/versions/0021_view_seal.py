"""app_keys: keys Amends makes for itself (the seal on its modals' private_metadata), shared by replicas

Revision ID: 0021_view_seal
Revises: 0025_person_zones
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0021_view_seal'
down_revision = '0025_person_zones'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_keys',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('secret', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_app_keys'))
    )


def downgrade() -> None:
    op.drop_table('app_keys')
