"""signed documents and one-time codes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 08:15:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import app.db_types  # noqa: F401 — the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'signed_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('signer_id', sa.Integer(), nullable=False),
        sa.Column('iin', sa.String(length=12), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('document', sa.LargeBinary(), nullable=False),
        sa.Column('document_sha256', sa.String(length=64), nullable=False),
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=True),
        sa.Column('signature', sa.LargeBinary(), nullable=True),
        sa.Column('verification', sa.JSON(), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('signed_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('expires_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('next_url', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_signed_documents_signer_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_documents')),
        sa.UniqueConstraint('nonce', name=op.f('uq_signed_documents_nonce')),
    )
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signed_documents_signer_id'), ['signer_id'], unique=False)

    op.create_table(
        'one_time_codes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('signer_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['signed_documents.id'],
                                name=op.f('fk_one_time_codes_document_id_signed_documents')),
        sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_one_time_codes_signer_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_codes')),
    )
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_one_time_codes_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_one_time_codes_signer_id'), ['signer_id'], unique=False)


def downgrade():
    with op.batch_alter_table('one_time_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_one_time_codes_signer_id'))
        batch_op.drop_index(batch_op.f('ix_one_time_codes_document_id'))
    op.drop_table('one_time_codes')
    with op.batch_alter_table('signed_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signed_documents_signer_id'))
    op.drop_table('signed_documents')
