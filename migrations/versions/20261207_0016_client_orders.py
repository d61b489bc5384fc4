"""client orders and their fills

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 11:03:38.423178

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # noqa: F401 — the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.Column('venue', sa.String(length=16), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('side', sa.String(length=4), nullable=False),
    sa.Column('type', sa.String(length=8), nullable=False),
    sa.Column('price', app.db_types.ExactDecimal(precision=20, scale=8), nullable=True),
    sa.Column('lots', sa.BigInteger(), nullable=False),
    sa.Column('lot_size', sa.Integer(), nullable=False),
    sa.Column('filled_lots', sa.BigInteger(), nullable=False),
    sa.Column('block_per_lot', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
    sa.Column('amount', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('valid_until', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('settlement_code', sa.String(length=12), nullable=True),
    sa.Column('market_order_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'], name=op.f('fk_client_orders_client_id_broker_clients')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_client_orders_closed_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['signed_documents.id'], name=op.f('fk_client_orders_document_id_signed_documents')),
    sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'], name=op.f('fk_client_orders_firm_id_organisations')),
    sa.ForeignKeyConstraint(['instrument_id'], ['market_instruments.id'], name=op.f('fk_client_orders_instrument_id_market_instruments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_orders')),
    sa.UniqueConstraint('document_id', name=op.f('uq_client_orders_document_id')),
    sa.UniqueConstraint('market_order_id', name=op.f('uq_client_orders_market_order_id'))
    )
    with op.batch_alter_table('client_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_orders_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_orders_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_orders_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_orders_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_orders_valid_until'), ['valid_until'], unique=False)

    op.create_table('client_fills',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('lots', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.BigInteger(), nullable=False),
    sa.Column('price', app.db_types.ExactDecimal(precision=20, scale=8), nullable=False),
    sa.Column('amount', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
    sa.Column('traded_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('settles_on', sa.Date(), nullable=False),
    sa.Column('trade_id', sa.BigInteger(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'], name=op.f('fk_client_fills_client_id_broker_clients')),
    sa.ForeignKeyConstraint(['order_id'], ['client_orders.id'], name=op.f('fk_client_fills_order_id_client_orders')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_client_fills_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_fills')),
    sa.UniqueConstraint('order_id', 'trade_id', name='uq_client_fills_order_trade')
    )
    with op.batch_alter_table('client_fills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_fills_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_fills_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_client_fills_traded_at'), ['traded_at'], unique=False)



def downgrade():
    with op.batch_alter_table('client_fills', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_fills_traded_at'))
        batch_op.drop_index(batch_op.f('ix_client_fills_order_id'))
        batch_op.drop_index(batch_op.f('ix_client_fills_client_id'))

    op.drop_table('client_fills')
    with op.batch_alter_table('client_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_orders_valid_until'))
        batch_op.drop_index(batch_op.f('ix_client_orders_status'))
        batch_op.drop_index(batch_op.f('ix_client_orders_firm_id'))
        batch_op.drop_index(batch_op.f('ix_client_orders_created_at'))
        batch_op.drop_index(batch_op.f('ix_client_orders_client_id'))

    op.drop_table('client_orders')
