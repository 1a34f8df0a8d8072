"""review: reminders recorded per unit (đã nhắc) and totals of closed rounds for trends

Revision ID: 5d2c8e1f9a47
Revises: 2891b673bbd2
Create Date: 2026-11-22 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '5d2c8e1f9a47'
down_revision = '2891b673bbd2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_reminder_submission_id_submission')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_reminder_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder'))
    )
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_submission_id'), ['submission_id'], unique=False)

    op.create_table('round_totals',
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('values_json', sa.Text(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('on_time', sa.Integer(), nullable=False),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_round_totals_round_id_reporting_round')),
    sa.PrimaryKeyConstraint('round_id', name=op.f('pk_round_totals'))
    )


def downgrade():
    op.drop_table('round_totals')
    with op.batch_alter_table('reminder', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_submission_id'))
    op.drop_table('reminder')
