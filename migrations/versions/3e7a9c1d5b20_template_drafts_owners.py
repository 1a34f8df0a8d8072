"""templates: drafts (no version number yet), withdrawn versions, the unit a version serves

Revision ID: 3e7a9c1d5b20
Revises: b3e7d9f20c14
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '3e7a9c1d5b20'
down_revision = 'b3e7d9f20c14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('template_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='published', nullable=False))
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_template_version_unit_id_org_unit'), 'org_unit', ['unit_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_template_version_unit_id'), ['unit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('template_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_version_unit_id'))
        batch_op.drop_constraint(batch_op.f('fk_template_version_unit_id_org_unit'), type_='foreignkey')
        batch_op.alter_column('version', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('updated_at')
        batch_op.drop_column('unit_id')
        batch_op.drop_column('status')
