"""external venues: a broker's AIX and international instruments, their quote history, the client's own list

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'venue_instruments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('venue', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('lot_size', sa.Integer(), nullable=False),
        sa.Column('price_step', app.db_types.ExactDecimal(precision=16, scale=4), nullable=False),
        sa.Column('settlement_days', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'], name=op.f('fk_venue_instruments_firm_id_organisations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_instruments')),
        sa.UniqueConstraint('firm_id', 'venue', 'code', name='uq_venue_instruments_firm_venue_code'),
    )
    with op.batch_alter_table('venue_instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_instruments_firm_id'), ['firm_id'], unique=False)
    op.create_table(
        'venue_quotes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instrument_id', sa.Integer(), nullable=False),
        sa.Column('bid', app.db_types.ExactDecimal(precision=16, scale=4), nullable=True),
        sa.Column('ask', app.db_types.ExactDecimal(precision=16, scale=4), nullable=True),
        sa.Column('last', app.db_types.ExactDecimal(precision=16, scale=4), nullable=True),
        sa.Column('quoted_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('loaded_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('loaded_by_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['instrument_id'], ['venue_instruments.id'],
                                name=op.f('fk_venue_quotes_instrument_id_venue_instruments')),
        sa.ForeignKeyConstraint(['loaded_by_id'], ['users.id'], name=op.f('fk_venue_quotes_loaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_venue_quotes')),
    )
    with op.batch_alter_table('venue_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_venue_quotes_instrument_id'), ['instrument_id'], unique=False)
    op.create_table(
        'watched_instruments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('venue', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('added_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_watched_instruments_client_id_broker_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_watched_instruments')),
        sa.UniqueConstraint('client_id', 'venue', 'code', name='uq_watched_instruments_client_venue_code'),
    )
    with op.batch_alter_table('watched_instruments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watched_instruments_client_id'), ['client_id'], unique=False)


def downgrade():
    with op.batch_alter_table('watched_instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watched_instruments_client_id'))
    op.drop_table('watched_instruments')
    with op.batch_alter_table('venue_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_quotes_instrument_id'))
    op.drop_table('venue_quotes')
    with op.batch_alter_table('venue_instruments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_venue_instruments_firm_id'))
    op.drop_table('venue_instruments')
