"""market trades indexed by their orders: an order's fills are read on every acknowledgement

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-06 12:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('market_trades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_market_trades_buy_order_id'), ['buy_order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_market_trades_sell_order_id'), ['sell_order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('market_trades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_market_trades_sell_order_id'))
        batch_op.drop_index(batch_op.f('ix_market_trades_buy_order_id'))
