"""captures.host_key: the URL's host with its labels reversed (org.example.www), indexed, for site filters.

``archiver search --site example.org`` matches example.org and its subdomains. On the URL
that needs a scan of every capture; on the reversed host it is an index range. Existing rows
are filled here; new rows get the key from the model's insert default.

Revision ID: 0003_capture_host_key
Revises: 0002_schedules
"""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from alembic import op

revision = '0003_capture_host_key'
down_revision = '0002_schedules'
branch_labels = None
depends_on = None

_BATCH = 2000


def _host_key(url: str | None) -> str | None:
    """As storage.catalogue.hosts.host_key at the time of this migration (kept here, frozen)."""
    try:
        host = urlsplit(url or "").hostname
    except ValueError:
        return None
    return ".".join(reversed(host.rstrip(".").split(".")))[:255] if host else None


def upgrade() -> None:
    op.add_column('captures', sa.Column('host_key', sa.String(length=255), nullable=True))
    op.create_index('ix_captures_host_key', 'captures', ['host_key'], unique=False)
    connection = op.get_bind()
    captures = sa.table('captures', sa.column('id', sa.Integer), sa.column('url', sa.Text),
                        sa.column('host_key', sa.String))
    last = 0
    while True:
        rows = connection.execute(sa.select(captures.c.id, captures.c.url).where(captures.c.id > last)
                                  .order_by(captures.c.id).limit(_BATCH)).all()
        if not rows:
            break
        connection.execute(sa.update(captures).where(captures.c.id == sa.bindparam('row_id'))
                           .values(host_key=sa.bindparam('key')),
                           [{'row_id': row.id, 'key': _host_key(row.url)} for row in rows])
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index('ix_captures_host_key', table_name='captures')
    op.execute('ALTER TABLE captures DROP COLUMN host_key')
