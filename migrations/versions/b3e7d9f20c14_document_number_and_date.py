"""A report's number and date (số, ngày) in its Word settings

Revision ID: b3e7d9f20c14
Revises: c7e2a4d6f813
Create Date: 2026-12-07 12:20:00

An electronic document is numbered and dated before it is signed: the PDF prints them.
Empty, the Word file leaves them blank for the clerk as before.
"""
import sqlalchemy as sa
from alembic import op

revision = 'b3e7d9f20c14'
down_revision = 'c7e2a4d6f813'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('document_settings', schema=None) as batch_op:
        batch_op.drop_column('issued_on')
        batch_op.drop_column('number')
