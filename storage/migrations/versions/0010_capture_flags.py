"""captures.flags: what is known to be wrong with an exchange that was archived anyway.

A capture can be archived byte for byte and still not be what it seems: a bot wall or challenge
page in place of the article (``blocked``), a body whose decoded size passes the limit
(``decoded-limit``). Such marks are kept as a list of short names on the capture, so commands
and pages can show them and leave such captures out of the articles. Existing captures have none.

Revision ID: 0010_capture_flags
Revises: 0009_requisite_links
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010_capture_flags'
down_revision = '0009_requisite_links'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('captures', sa.Column('flags', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE captures DROP COLUMN flags')
