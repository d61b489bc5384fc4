"""login attempts indexed by address: failed logins are limited per address as well

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 15:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempts_address_attempted_at', ['address', 'attempted_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempts_address_attempted_at')
