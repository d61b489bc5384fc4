"""margin lending data: discount rates per client category and FX rates, both append-only; the client's margin category

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 16:00:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

APPEND_ONLY = ('margin_discount_rates', 'margin_fx_rates')


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


def upgrade():
    with op.batch_alter_table('broker_clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('margin_category', sa.String(length=16), server_default='standard',
                                      nullable=False))
    op.create_table(
        'margin_discount_rates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('category', sa.String(length=16), nullable=False),
        sa.Column('venue', sa.String(length=16), nullable=True),
        sa.Column('code', sa.String(length=20), nullable=False),
        sa.Column('long_rate', app.db_types.ExactDecimal(precision=5, scale=2), nullable=False),
        sa.Column('short_rate', app.db_types.ExactDecimal(precision=5, scale=2), nullable=False),
        sa.Column('marginal', sa.Boolean(), nullable=False),
        sa.Column('shortable', sa.Boolean(), nullable=False),
        sa.Column('effective_from', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'],
                                name=op.f('fk_margin_discount_rates_firm_id_organisations')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_margin_discount_rates_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_discount_rates')),
    )
    with op.batch_alter_table('margin_discount_rates', schema=None) as batch_op:
        batch_op.create_index('ix_margin_discount_rates_key',
                              ['firm_id', 'category', 'venue', 'code', 'effective_from'], unique=False)
    op.create_table(
        'margin_fx_rates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('rate', app.db_types.ExactDecimal(precision=16, scale=4), nullable=False),
        sa.Column('effective_from', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'],
                                name=op.f('fk_margin_fx_rates_firm_id_organisations')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_margin_fx_rates_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_margin_fx_rates')),
    )
    with op.batch_alter_table('margin_fx_rates', schema=None) as batch_op:
        batch_op.create_index('ix_margin_fx_rates_key', ['firm_id', 'currency', 'effective_from'], unique=False)
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
    with op.batch_alter_table('margin_fx_rates', schema=None) as batch_op:
        batch_op.drop_index('ix_margin_fx_rates_key')
    op.drop_table('margin_fx_rates')
    with op.batch_alter_table('margin_discount_rates', schema=None) as batch_op:
        batch_op.drop_index('ix_margin_discount_rates_key')
    op.drop_table('margin_discount_rates')
    with op.batch_alter_table('broker_clients', schema=None) as batch_op:
        batch_op.drop_column('margin_category')
