"""What a consolidation sends upward besides its values: coverage, figure sentences, follow-up

Revision ID: 9e4b2d7a1c60
Revises: 9e4b7c2d5a18
Create Date: 2026-12-07 12:00:00

A district's consolidation becomes its submission in the province's round. Its numbers
and texts travel as values; ``upward_report`` keeps, for that submission, the units the
consolidation covered (any depth) and what the province's report quotes under the
district's name: its figure sentences, its directive follow-up, the fields folded into
"Lĩnh vực khác".
"""
import sqlalchemy as sa
from alembic import op

revision = '9e4b2d7a1c60'
down_revision = '9e4b7c2d5a18'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'upward_report',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('expected', sa.Integer(), nullable=False),
        sa.Column('body_json', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], ),
        sa.PrimaryKeyConstraint('submission_id'),
    )


def downgrade():
    op.drop_table('upward_report')
