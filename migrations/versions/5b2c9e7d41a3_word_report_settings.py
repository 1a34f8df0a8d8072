"""Word settings per report: số/ký hiệu, requesting document, one row per unit and round

Revision ID: 5b2c9e7d41a3
Revises: 64159c62b107
Create Date: 2026-11-30 17:30:00

The table's key changes from the unit to (unit, round), so it is rebuilt; each unit's
existing settings are kept as a row without a round, which prefills its next report.
"""
import sqlalchemy as sa
from alembic import op

revision = '5b2c9e7d41a3'
down_revision = '64159c62b107'
branch_labels = None
depends_on = None

KEPT = ('unit_id', 'recipient', 'distribution', 'signer_prefix', 'signer_title', 'signer_name')


def upgrade():
    conn = op.get_bind()
    old = sa.table('document_settings', *(sa.column(name) for name in KEPT))
    rows = [dict(row._mapping) for row in conn.execute(sa.select(old))]
    op.drop_table('document_settings')
    table = op.create_table('document_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('symbol', sa.String(length=40), nullable=False),
    sa.Column('request_doc', sa.String(length=500), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('distribution', sa.Text(), nullable=False),
    sa.Column('signer_prefix', sa.String(length=200), nullable=False),
    sa.Column('signer_title', sa.String(length=120), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id'], name=op.f('fk_document_settings_round_id_reporting_round')),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_document_settings_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_settings')),
    sa.UniqueConstraint('unit_id', 'round_id', name=op.f('uq_document_settings_unit_id'))
    )
    with op.batch_alter_table('document_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_settings_unit_id'), ['unit_id'], unique=False)
    if rows:
        now = sa.func.now() if conn.dialect.name == 'postgresql' else sa.text('CURRENT_TIMESTAMP')
        conn.execute(table.insert().values(symbol='', request_doc='', updated_at=now), rows)


def downgrade():
    conn = op.get_bind()
    new = sa.table('document_settings', sa.column('id'), *(sa.column(name) for name in KEPT))
    latest = {}
    for row in conn.execute(sa.select(new).order_by(new.c.id)):
        latest[row.unit_id] = dict(row._mapping)  # the unit's latest settings win
    with op.batch_alter_table('document_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_settings_unit_id'))
    op.drop_table('document_settings')
    table = op.create_table('document_settings',
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=False),
    sa.Column('distribution', sa.Text(), nullable=False),
    sa.Column('signer_prefix', sa.String(length=200), nullable=False),
    sa.Column('signer_title', sa.String(length=120), nullable=False),
    sa.Column('signer_name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id'], name=op.f('fk_document_settings_unit_id_org_unit')),
    sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_document_settings'))
    )
    if latest:
        conn.execute(table.insert(), [{k: v for k, v in row.items() if k != 'id'} for row in latest.values()])
