"""margin monitoring: the worker's cursor, each client's last standing, margin calls

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 16:40:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def figure(name: str) -> sa.Column:
    return sa.Column(name, app.db_types.ExactDecimal(20, 2), nullable=False)


def upgrade():
    op.create_table(
        'margin_cursor',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ledger_id', sa.Integer(), nullable=False),
        sa.Column('trade_id', sa.BigInteger(), nullable=False),
        sa.Column('quote_id', sa.Integer(), nullable=False),
        sa.Column('rate_id', sa.Integer(), nullable=False),
        sa.Column('fx_id', sa.Integer(), nullable=False),
        sa.Column('checked_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_cursor')),
    )
    op.create_table(
        'margin_states',
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('standing', sa.Integer(), nullable=False),
        figure('s'), figure('m0'), figure('npr1'), figure('npr2'),
        sa.Column('evaluated_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_states_client_id_broker_clients')),
        sa.PrimaryKeyConstraint('client_id', name=op.f('pk_margin_states')),
    )
    op.create_table(
        'margin_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('opened_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('deadline', app.db_types.UTCDateTime(timezone=True), nullable=False),
        figure('s'), figure('m0'),
        sa.Column('closed_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_calls_client_id_broker_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_calls')),
    )
    with op.batch_alter_table('margin_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_margin_calls_client_id'), ['client_id'], unique=False)


def downgrade():
    with op.batch_alter_table('margin_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_margin_calls_client_id'))
    op.drop_table('margin_calls')
    op.drop_table('margin_states')
    op.drop_table('margin_cursor')
