"""An index of the stored texts of each report, for the consolidation's reads

Revision ID: 9e4b7c2d5a18
Revises: a25f0b7c9d11
Create Date: 2026-12-07 12:30:00

A report holds a few texts among ~170 numbers; the consolidation reads every unit's texts,
and without this partial index it reads every number to find them.
"""
import sqlalchemy as sa
from alembic import op

revision = '9e4b7c2d5a18'
down_revision = 'a25f0b7c9d11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_submission_value_texts', 'submission_value', ['submission_id'], unique=False,
                    sqlite_where=sa.text('text_value IS NOT NULL'), postgresql_where=sa.text('text_value IS NOT NULL'))


def downgrade():
    op.drop_index('ix_submission_value_texts', table_name='submission_value')
