"""reporting_round.template_digest: the frozen template's identity, read by every save instead of its text

Revision ID: 5d1c8e2f4a07
Revises: 3e7a9c1d5b20
Create Date: 2026-12-07 15:10:00

"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '5d1c8e2f4a07'
down_revision = '3e7a9c1d5b20'
branch_labels = None
depends_on = None


def _digest(source: str, catalogue_json: str) -> str:
    # app.reporting.templates.frozen_digest, repeated: a migration keeps the rule it was written with.
    return hashlib.sha256(source.encode() + b"\0" + catalogue_json.encode()).hexdigest()


def upgrade():
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_digest', sa.String(length=64), nullable=True))
    rounds = sa.table('reporting_round', sa.column('id', sa.Integer), sa.column('template_source', sa.Text),
                      sa.column('catalogue_json', sa.Text), sa.column('template_digest', sa.String))
    conn = op.get_bind()
    for round_id, source, catalogue in conn.execute(sa.select(rounds.c.id, rounds.c.template_source,
                                                              rounds.c.catalogue_json)).all():
        conn.execute(rounds.update().where(rounds.c.id == round_id).values(
            template_digest=_digest(source, catalogue or "[]")))


def downgrade():
    with op.batch_alter_table('reporting_round', schema=None) as batch_op:
        batch_op.drop_column('template_digest')
