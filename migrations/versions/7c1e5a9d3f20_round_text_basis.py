"""The reviewer's edited figure text remembers the generated text it was edited from

Revision ID: 7c1e5a9d3f20
Revises: 5b2c9e7d41a3
Create Date: 2026-11-30 20:30:00

A figure part's text follows the figures until the reviewer edits it; ``basis`` holds the
generated text at that moment, so the page can say when the figures changed since.
"""
import sqlalchemy as sa
from alembic import op

revision = '7c1e5a9d3f20'
down_revision = '5b2c9e7d41a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('round_narrative', schema=None) as batch_op:
        batch_op.add_column(sa.Column('basis', sa.Text(), nullable=True))
        batch_op.alter_column('section_id', existing_type=sa.String(length=20), type_=sa.String(length=40))


def downgrade():
    with op.batch_alter_table('round_narrative', schema=None) as batch_op:
        batch_op.alter_column('section_id', existing_type=sa.String(length=40), type_=sa.String(length=20))
        batch_op.drop_column('basis')
