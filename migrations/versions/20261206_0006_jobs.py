"""jobs: the worker process's queue

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 12:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.db_types  # the desk's own column types (UTCDateTime)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('max_attempts', sa.Integer(), nullable=False),
        sa.Column('run_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('lease_until', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('worker', sa.String(length=80), nullable=True),
        sa.Column('progress_done', sa.Integer(), nullable=False),
        sa.Column('progress_total', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', app.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('started_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', app.db_types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
        sa.UniqueConstraint('key', name=op.f('uq_jobs_key')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_status'))
    op.drop_table('jobs')
