"""renderings: what a browser made of a page capture (the DOM after scripts, a full-page screenshot).

Each row points at the WARC ``resource`` record that holds it (``urn:dom:<url>`` or
``urn:fullPage:<url>``, see storage.renderings) and says whether it came from the live page
in the browser lane (``browser``) or from the archived page as replayed (``replay``).

Revision ID: 0011_renderings
Revises: 0010_capture_flags
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_renderings'
down_revision = '0010_capture_flags'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'renderings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_capture_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('content_type', sa.String(length=255), nullable=False),
        sa.Column('warc_file', sa.String(length=255), nullable=False),
        sa.Column('warc_offset', sa.BigInteger(), nullable=False),
        sa.Column('warc_length', sa.BigInteger(), nullable=False),
        sa.Column('record_id', sa.String(length=64), nullable=False),
        sa.Column('payload_length', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['page_capture_id'], ['captures.id'],
                                name='fk_renderings_page_capture_id_captures', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_renderings'),
        sa.UniqueConstraint('record_id', name='uq_renderings_record_id'),
    )
    op.create_index('ix_renderings_page_capture_id', 'renderings', ['page_capture_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_renderings_page_capture_id', table_name='renderings')
    op.drop_table('renderings')
