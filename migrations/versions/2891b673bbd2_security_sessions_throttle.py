"""security: server-side session records, login failures for throttling, round events;
admin-issued passwords must be changed (must_change_password); the per-user session token
and per-account lockout columns go (replaced by the first two tables)

Revision ID: 2891b673bbd2
Revises: 24cf4c552cc9
Create Date: 2026-11-30 16:59:01.289509

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '2891b673bbd2'
down_revision = '24cf4c552cc9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure'))
    )
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failure_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failure_at'), ['at'], unique=False)

    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('round_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_round_event_round_id_reporting_round')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_round_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_event'))
    )
    with op.batch_alter_table('round_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_event_round_id'), ['round_id'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('session_token')
        batch_op.drop_column('locked_until')



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DATETIME(), nullable=True))
        batch_op.add_column(sa.Column('session_token', sa.VARCHAR(length=40), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('failed_logins', sa.INTEGER(), nullable=False, server_default='0'))
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('round_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_event_round_id'))

    op.drop_table('round_event')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))

    op.drop_table('user_session')
    with op.batch_alter_table('login_failure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failure_at'))
        batch_op.drop_index(batch_op.f('ix_login_failure_address'))

    op.drop_table('login_failure')
