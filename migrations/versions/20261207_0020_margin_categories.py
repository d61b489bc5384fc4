"""client category requests (special risk); the margin fee tariff (append-only), its accruals and runs

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0020'
# Written beside 0019 (built in parallel); at the merge this becomes '0019' so the history stays linear.
down_revision = '0019'
branch_labels = None
depends_on = None

APPEND_ONLY = ('margin_tariffs',)


def sqlite_triggers(table: str) -> list[str]:
    return [f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END""",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""]


def postgres_triggers(table: str) -> list[str]:
    return [f"""CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION '{table} is append-only'; END $$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"""]


def user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ['users.id'], name=op.f(f'fk_{table}_{column}_users'))


def upgrade():
    requests = 'margin_category_requests'
    op.create_table(
        requests,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('requested_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('qualification', sa.String(length=16), nullable=True),
        sa.Column('qualified_on', sa.Date(), nullable=True),
        sa.Column('qualification_document', sa.String(length=100), nullable=True),
        sa.Column('qualification_recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('qualification_recorded_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('agreement_number', sa.String(length=40), nullable=True),
        sa.Column('agreement_date', sa.Date(), nullable=True),
        sa.Column('agreement_recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('agreement_recorded_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('downgraded_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('downgraded_by_id', sa.Integer(), nullable=True),
        sa.Column('downgrade_reason', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_category_requests_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'],
                                name=op.f('fk_margin_category_requests_firm_id_organisations')),
        user_fk(requests, 'requested_by_id'), user_fk(requests, 'qualification_recorded_by_id'),
        user_fk(requests, 'agreement_recorded_by_id'), user_fk(requests, 'decided_by_id'),
        user_fk(requests, 'downgraded_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_category_requests')),
    )
    with op.batch_alter_table(requests, schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_margin_category_requests_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_margin_category_requests_firm_id'), ['firm_id'], unique=False)

    op.create_table(
        'margin_tariffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('money_rate', app.db_types.ExactDecimal(precision=7, scale=4), nullable=False),
        sa.Column('securities_rate', app.db_types.ExactDecimal(precision=7, scale=4), nullable=False),
        sa.Column('effective_from', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'], name=op.f('fk_margin_tariffs_firm_id_organisations')),
        user_fk('margin_tariffs', 'created_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_tariffs')),
    )
    with op.batch_alter_table('margin_tariffs', schema=None) as batch_op:
        batch_op.create_index('ix_margin_tariffs_firm', ['firm_id', 'effective_from'], unique=False)

    op.create_table(
        'margin_fee_accruals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('tariff_id', sa.Integer(), nullable=False),
        sa.Column('money_debt', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
        sa.Column('lent_value', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
        sa.Column('money_rate', app.db_types.ExactDecimal(precision=7, scale=4), nullable=False),
        sa.Column('securities_rate', app.db_types.ExactDecimal(precision=7, scale=4), nullable=False),
        sa.Column('amount', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
        sa.Column('ledger_entry_id', sa.Integer(), nullable=False),
        sa.Column('accrued_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'],
                                name=op.f('fk_margin_fee_accruals_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['tariff_id'], ['margin_tariffs.id'],
                                name=op.f('fk_margin_fee_accruals_tariff_id_margin_tariffs')),
        sa.ForeignKeyConstraint(['ledger_entry_id'], ['client_ledger.id'],
                                name=op.f('fk_margin_fee_accruals_ledger_entry_id_client_ledger')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_fee_accruals')),
        sa.UniqueConstraint('client_id', 'day', name='uq_margin_fee_accruals_client_day'),
    )

    op.create_table(
        'margin_fee_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('tariff_id', sa.Integer(), nullable=False),
        sa.Column('charged', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('finished_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'], name=op.f('fk_margin_fee_runs_firm_id_organisations')),
        sa.ForeignKeyConstraint(['tariff_id'], ['margin_tariffs.id'],
                                name=op.f('fk_margin_fee_runs_tariff_id_margin_tariffs')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_fee_runs')),
        sa.UniqueConstraint('firm_id', 'day', name='uq_margin_fee_runs_firm_day'),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY:
        for statement in sqlite_triggers(table) if sqlite else postgres_triggers(table):
            op.execute(statement)


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in APPEND_ONLY:
        if sqlite:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(f"DROP TRIGGER {table}_no_delete")
        else:
            op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
    op.drop_table('margin_fee_runs')
    op.drop_table('margin_fee_accruals')
    with op.batch_alter_table('margin_tariffs', schema=None) as batch_op:
        batch_op.drop_index('ix_margin_tariffs_firm')
    op.drop_table('margin_tariffs')
    with op.batch_alter_table('margin_category_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_margin_category_requests_firm_id'))
        batch_op.drop_index(batch_op.f('ix_margin_category_requests_client_id'))
    op.drop_table('margin_category_requests')
