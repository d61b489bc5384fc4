"""banks, withdrawal instructions and the cabinet's notices

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import app.db_types  # noqa: F401 — the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'banks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('bic', sa.String(length=11), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_banks')),
        sa.UniqueConstraint('bic', name=op.f('uq_banks_bic')),
    )
    op.create_table(
        'withdrawal_instructions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('amount', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
        sa.Column('iban', sa.String(length=34), nullable=False),
        sa.Column('bank_id', sa.Integer(), nullable=False),
        sa.Column('beneficiary', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('signed_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('paid_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('payment_reference', sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_withdrawal_instructions_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_withdrawal_instructions_bank_id_banks')),
        sa.ForeignKeyConstraint(['document_id'], ['signed_documents.id'],
                                name=op.f('fk_withdrawal_instructions_document_id_signed_documents')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_withdrawal_instructions_decided_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_withdrawal_instructions')),
    )
    with op.batch_alter_table('withdrawal_instructions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_withdrawal_instructions_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_withdrawal_instructions_status'), ['status'], unique=False)

    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('link', sa.String(length=300), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_user_id'))
    op.drop_table('notices')
    with op.batch_alter_table('withdrawal_instructions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_withdrawal_instructions_status'))
        batch_op.drop_index(batch_op.f('ix_withdrawal_instructions_client_id'))
    op.drop_table('withdrawal_instructions')
    op.drop_table('banks')
