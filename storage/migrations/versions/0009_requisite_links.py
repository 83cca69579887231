"""requisite_links: the page requisites (images, stylesheets, fonts, ...) each page capture needed.

A page capture links to the captures of what it needs to render (a shared logo is one capture
linked from many pages) and to the ones it could not get, with the reason. Existing captures
have none.

Revision ID: 0009_requisite_links
Revises: 0008_article_listing
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009_requisite_links'
down_revision = '0008_article_listing'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'requisite_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_capture_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=True),
        sa.Column('requisite_capture_id', sa.Integer(), nullable=True),
        sa.Column('missing', sa.Text(), nullable=True),
        sa.Column('record_id', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['page_capture_id'], ['captures.id'],
                                name='fk_requisite_links_page_capture_id_captures', ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['requisite_capture_id'], ['captures.id'],
                                name='fk_requisite_links_requisite_capture_id_captures', ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_requisite_links'),
    )
    op.create_index('ix_requisite_links_page_capture_id', 'requisite_links', ['page_capture_id'], unique=False)
    op.create_index('ix_requisite_links_requisite_capture_id', 'requisite_links', ['requisite_capture_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_requisite_links_requisite_capture_id', table_name='requisite_links')
    op.drop_index('ix_requisite_links_page_capture_id', table_name='requisite_links')
    op.drop_table('requisite_links')
