"""articles.listing: what the sitemap or feed that listed a page said about it.

A crawl by sitemap or feed learns a page's title, dates, authors and summary before it
fetches the page. That listing is now kept with the article (and in its WARC metadata
record), and fills the fields the page itself does not give. Existing articles have none.

Revision ID: 0008_article_listing
Revises: 0007_pg_search_vector_column
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008_article_listing'
down_revision = '0007_pg_search_vector_column'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('articles', sa.Column('listing', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE articles DROP COLUMN listing')
