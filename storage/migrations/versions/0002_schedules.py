"""Schedules the scheduler can run: crawl arguments, time limit, lease, updated_at.

``options`` (a dict nobody wrote) becomes ``crawl_args`` (the ``archiver crawl`` argument
list). ``lease_owner``/``lease_expires_at`` let several schedulers share one catalogue.
``crawl_runs.schedule_id`` gets an index for the run history of a schedule.

Only ADD/DROP COLUMN and CREATE INDEX are used, so SQLite never copies the ``schedules``
table (a copy would drop it while ``crawl_runs`` points at it).

Revision ID: 0002_schedules
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_schedules'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('schedules', sa.Column('crawl_args', sa.JSON(), server_default='[]', nullable=False))
    op.add_column('schedules', sa.Column('time_limit', sa.Float(), nullable=True))
    op.add_column('schedules', sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('schedules', sa.Column('lease_owner', sa.String(length=200), nullable=True))
    op.add_column('schedules', sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
    # SQLite >= 3.35 drops a column in place (no table copy).
    op.execute('ALTER TABLE schedules DROP COLUMN options')
    op.create_index('ix_crawl_runs_schedule_id', 'crawl_runs', ['schedule_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_crawl_runs_schedule_id', table_name='crawl_runs')
    op.add_column('schedules', sa.Column('options', sa.JSON(), server_default='{}', nullable=False))
    for column in ('lease_expires_at', 'lease_owner', 'updated_at', 'time_limit', 'crawl_args'):
        op.execute(f'ALTER TABLE schedules DROP COLUMN {column}')
