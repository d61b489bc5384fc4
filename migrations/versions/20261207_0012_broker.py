"""broker back office: clients with a cabinet login that must change its first password, and their append-only ledger

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 08:15:00

"""
import sqlalchemy as sa
from alembic import op

import app.db_types  # the desk's own column types (UTCDateTime, ExactDecimal)


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


SQLITE_TRIGGERS = [
    """CREATE TRIGGER client_ledger_no_update BEFORE UPDATE ON client_ledger
       BEGIN SELECT RAISE(ABORT, 'client_ledger is append-only'); END""",
    """CREATE TRIGGER client_ledger_no_delete BEFORE DELETE ON client_ledger
       BEGIN SELECT RAISE(ABORT, 'client_ledger is append-only'); END""",
]
POSTGRES_TRIGGERS = [
    """CREATE FUNCTION client_ledger_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'client_ledger is append-only'; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER client_ledger_no_change BEFORE UPDATE OR DELETE ON client_ledger
       FOR EACH ROW EXECUTE FUNCTION client_ledger_append_only()""",
]


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'broker_clients',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('firm_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('iin', sa.String(length=12), nullable=False),
        sa.Column('full_name', sa.String(length=200), nullable=False),
        sa.Column('phone', sa.String(length=16), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('agreement_number', sa.String(length=40), nullable=False),
        sa.Column('agreement_date', sa.Date(), nullable=False),
        sa.Column('client_code', sa.String(length=30), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['firm_id'], ['organisations.id'], name=op.f('fk_broker_clients_firm_id_organisations')),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_broker_clients_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_broker_clients_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_broker_clients')),
        sa.UniqueConstraint('firm_id', 'agreement_number', name='uq_broker_clients_firm_agreement'),
        sa.UniqueConstraint('firm_id', 'client_code', name='uq_broker_clients_firm_client_code'),
        sa.UniqueConstraint('firm_id', 'iin', name='uq_broker_clients_firm_iin'),
        sa.UniqueConstraint('organisation_id', name=op.f('uq_broker_clients_organisation_id')),
        sa.UniqueConstraint('user_id', name=op.f('uq_broker_clients_user_id')),
    )
    with op.batch_alter_table('broker_clients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_broker_clients_firm_id'), ['firm_id'], unique=False)
    op.create_table(
        'client_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_id', sa.Integer(), nullable=False),
        sa.Column('venue', sa.String(length=16), nullable=True),
        sa.Column('asset', sa.String(length=20), nullable=False),
        sa.Column('amount', app.db_types.ExactDecimal(precision=22, scale=2), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('reference', sa.String(length=60), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('settles_on', sa.Date(), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['client_id'], ['broker_clients.id'], name=op.f('fk_client_ledger_client_id_broker_clients')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_client_ledger_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_client_ledger')),
    )
    with op.batch_alter_table('client_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_client_ledger_client_id'), ['client_id'], unique=False)
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER client_ledger_no_update")
        op.execute("DROP TRIGGER client_ledger_no_delete")
    else:
        op.execute("DROP TRIGGER client_ledger_no_change ON client_ledger")
        op.execute("DROP FUNCTION client_ledger_append_only()")
    with op.batch_alter_table('client_ledger', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_ledger_client_id'))
    op.drop_table('client_ledger')
    with op.batch_alter_table('broker_clients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_broker_clients_firm_id'))
    op.drop_table('broker_clients')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
