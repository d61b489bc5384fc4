"""deal register files: a big auction's deal register PDF is built by the worker

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 08:00:00

"""
import sqlalchemy as sa
from alembic import op

from app.db_types import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'auction_deal_register_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('auction_id', sa.Integer(), nullable=False),
        sa.Column('auction_status', sa.String(length=20), nullable=False),
        sa.Column('locale', sa.String(length=5), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('rows_total', sa.Integer(), nullable=False),
        sa.Column('rows_done', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('finished_at', UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['auction_id'], ['auctions.id'], name=op.f('fk_auction_deal_register_files_auction_id_auctions')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_auction_deal_register_files_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_auction_deal_register_files')),
    )
    with op.batch_alter_table('auction_deal_register_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auction_deal_register_files_auction_id'), ['auction_id'], unique=False)


def downgrade():
    with op.batch_alter_table('auction_deal_register_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auction_deal_register_files_auction_id'))
    op.drop_table('auction_deal_register_files')
