"""margin close-out: the risk staff's actions on a call, forced close-outs, debts, the day figures

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 20:30:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def figure(name: str) -> sa.Column:
    return sa.Column(name, app.db_types.ExactDecimal(20, 2), nullable=False)


def moment(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, app.db_types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade():
    with op.batch_alter_table('margin_calls', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.String(length=8), type_=sa.String(length=12),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('demanded_same_day', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('demanded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(moment('orders_suspended_at', nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_margin_calls_demanded_by_id_users'), 'users',
                                    ['demanded_by_id'], ['id'])
    op.create_table(
        'margin_days',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        figure('npr1'), figure('npr2'), moment('evaluated_at'),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_days_client_id_broker_clients')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_days')),
        sa.UniqueConstraint('client_id', 'day', name='uq_margin_days_client_day'),
    )
    op.create_table(
        'margin_close_outs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=True),
        sa.Column('ground', sa.String(length=10), nullable=False),
        sa.Column('reference', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=10), nullable=False),
        figure('npr1_at_start'),
        sa.Column('waiting', sa.String(length=20), nullable=True),
        sa.Column('waiting_code', sa.String(length=20), nullable=True),
        moment('started_at'),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        moment('finished_at', nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_close_outs_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['call_id'], ['margin_calls.id'], name=op.f('fk_margin_close_outs_call_id_margin_calls')),
        sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_margin_close_outs_started_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_close_outs')),
    )
    with op.batch_alter_table('margin_close_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_margin_close_outs_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_margin_close_outs_status'), ['status'], unique=False)
    op.create_table(
        'margin_debts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('close_out_id', sa.Integer(), nullable=False),
        figure('amount'),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        moment('created_at'), moment('repaid_at', nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_debts_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['close_out_id'], ['margin_close_outs.id'],
                                name=op.f('fk_margin_debts_close_out_id_margin_close_outs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_debts')),
    )
    with op.batch_alter_table('margin_debts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_margin_debts_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_margin_debts_status'), ['status'], unique=False)
    with op.batch_alter_table('client_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_out', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('close_out_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_client_orders_close_out_id'), ['close_out_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_client_orders_close_out_id_margin_close_outs'),
                                    'margin_close_outs', ['close_out_id'], ['id'])


def downgrade():
    with op.batch_alter_table('client_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_client_orders_close_out_id_margin_close_outs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_client_orders_close_out_id'))
        batch_op.drop_column('close_out_id')
        batch_op.drop_column('close_out')
    with op.batch_alter_table('margin_debts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_margin_debts_status'))
        batch_op.drop_index(batch_op.f('ix_margin_debts_client_id'))
    op.drop_table('margin_debts')
    with op.batch_alter_table('margin_close_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_margin_close_outs_status'))
        batch_op.drop_index(batch_op.f('ix_margin_close_outs_client_id'))
    op.drop_table('margin_close_outs')
    op.drop_table('margin_days')
    with op.batch_alter_table('margin_calls', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_margin_calls_demanded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('orders_suspended_at')
        batch_op.drop_column('demanded_by_id')
        batch_op.drop_column('demanded_same_day')
        batch_op.alter_column('status', existing_type=sa.String(length=12), type_=sa.String(length=8),
                              existing_nullable=False)
