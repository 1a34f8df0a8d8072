"""A scheduled move remembers whether to retire the parents it empties

Revision ID: c7e2a4d6f813
Revises: 9e4b2d7a1c60
Create Date: 2026-12-07 12:15:00

A move dated in the future is applied later by ``flask apply-reorganisations``; the
officer's choice to stop the former parent left without units (a district abolished) is
kept with it until then.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c7e2a4d6f813'
down_revision = '9e4b2d7a1c60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit_move', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retire_emptied', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('unit_move', schema=None) as batch_op:
        batch_op.drop_column('retire_emptied')
