"""Running an installation: scoped administrators, the log of administration, a calendar per
scope, reorganisations that wait for their date

Revision ID: 9a4d2b7c1e08
Revises: 3f8a1c2e9b70
Create Date: 2026-12-07 12:00:00

Administrators existing before this revision managed the whole installation: they become
system administrators, so nobody loses what he could do. Mergers and moves already
recorded took effect when recorded: they are marked applied then.
"""
import sqlalchemy as sa
from alembic import op

revision = '9a4d2b7c1e08'
down_revision = "3f8a1c2e9b70"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('system_admin', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE user_account SET system_admin = TRUE WHERE role = 'admin'")

    op.create_table('admin_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=80), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=300), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_admin_log_actor_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_admin_log_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_log'))
    )
    with op.batch_alter_table('admin_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_log_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_log_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_log_kind'), ['kind'], unique=False)

    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.drop_constraint('uq_calendar_day_day', type_='unique')
        batch_op.create_unique_constraint('uq_calendar_day_unit_day', ['unit_id', 'day'])
        batch_op.create_index(batch_op.f('ix_calendar_day_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_day_day'), ['day'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_calendar_day_unit_id_org_unit'), 'org_unit', ['unit_id'], ['id'])

    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('move_user_ids', sa.String(length=500), server_default='', nullable=False))
    op.execute("UPDATE unit_succession SET applied_at = recorded_at")
    with op.batch_alter_table('unit_move', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE unit_move SET applied_at = recorded_at")


def downgrade():
    with op.batch_alter_table('unit_move', schema=None) as batch_op:
        batch_op.drop_column('applied_at')
    with op.batch_alter_table('unit_succession', schema=None) as batch_op:
        batch_op.drop_column('move_user_ids')
        batch_op.drop_column('applied_at')
    with op.batch_alter_table('calendar_day', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_calendar_day_unit_id_org_unit'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_calendar_day_day'))
        batch_op.drop_index(batch_op.f('ix_calendar_day_unit_id'))
        batch_op.drop_constraint('uq_calendar_day_unit_day', type_='unique')
        batch_op.create_unique_constraint('uq_calendar_day_day', ['day'])
        batch_op.drop_column('unit_id')
    op.drop_table('admin_log')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('system_admin')
