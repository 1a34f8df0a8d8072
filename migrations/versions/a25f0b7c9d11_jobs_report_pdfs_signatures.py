"""Background jobs, the PDFs the portal produces for reports, signed reports, trust anchors and CRLs

Revision ID: a25f0b7c9d11
Revises: 9a4d2b7c1e08
Create Date: 2026-12-07 12:00:00

Jobs are claimed by `flask worker` processes on any node; produced PDFs keep the hashes a
signed upload is checked against; signed files, trust anchors and CRLs are kept in the
database so every node sees them and `flask backup` holds them.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a25f0b7c9d11'
down_revision = "9a4d2b7c1e08"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params_json', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('message', sa.String(length=300), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claim_token', sa.String(length=64), nullable=True),
        sa.Column('worker', sa.String(length=120), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_job_state', 'job', ['state'])
    op.create_index('ix_job_claim_token', 'job', ['claim_token'])
    op.create_table(
        'report_pdf',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('provisional', sa.Boolean(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data_digest', sa.String(length=64), nullable=False),
        sa.Column('figures_json', sa.Text(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('signer_name', sa.String(length=120), nullable=False),
        sa.Column('pdfa', sa.Boolean(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id']),
        sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id']),
        sa.ForeignKeyConstraint(['job_id'], ['job.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_report_pdf_unit_id', 'report_pdf', ['unit_id'])
    op.create_index('ix_report_pdf_round_id', 'report_pdf', ['round_id'])
    op.create_index('ix_report_pdf_sha256', 'report_pdf', ['sha256'])
    op.create_table(
        'signed_report',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('report_pdf_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('signer_name', sa.String(length=200), nullable=False),
        sa.Column('signer_org', sa.String(length=300), nullable=False),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.Column('timestamped', sa.Boolean(), nullable=False),
        sa.Column('cert_serial', sa.String(length=100), nullable=False),
        sa.Column('cert_issuer', sa.String(length=500), nullable=False),
        sa.Column('revocation', sa.String(length=300), nullable=False),
        sa.Column('signatures', sa.Integer(), nullable=False),
        sa.Column('details_json', sa.Text(), nullable=False),
        sa.Column('warnings', sa.Text(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['unit_id'], ['org_unit.id']),
        sa.ForeignKeyConstraint(['round_id'], ['reporting_round.id']),
        sa.ForeignKeyConstraint(['report_pdf_id'], ['report_pdf.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_signed_report_unit_id', 'signed_report', ['unit_id'])
    op.create_index('ix_signed_report_round_id', 'signed_report', ['round_id'])
    op.create_table(
        'trust_anchor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('der', sa.LargeBinary(), nullable=False),
        sa.Column('not_after', sa.DateTime(), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sha256'),
    )
    op.create_table(
        'revocation_list',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('issuer', sa.String(length=500), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('der', sa.LargeBinary(), nullable=False),
        sa.Column('this_update', sa.DateTime(), nullable=True),
        sa.Column('next_update', sa.DateTime(), nullable=True),
        sa.Column('revoked_count', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('sha256'),
    )


def downgrade():
    op.drop_table('revocation_list')
    op.drop_table('trust_anchor')
    op.drop_index('ix_signed_report_round_id', table_name='signed_report')
    op.drop_index('ix_signed_report_unit_id', table_name='signed_report')
    op.drop_table('signed_report')
    op.drop_index('ix_report_pdf_sha256', table_name='report_pdf')
    op.drop_index('ix_report_pdf_round_id', table_name='report_pdf')
    op.drop_index('ix_report_pdf_unit_id', table_name='report_pdf')
    op.drop_table('report_pdf')
    op.drop_index('ix_job_claim_token', table_name='job')
    op.drop_index('ix_job_state', table_name='job')
    op.drop_table('job')
