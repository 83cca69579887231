"""PostgreSQL full-text search: a GIN index over the articles' weighted tsvector (title A, author B, text D).

SQLite has its FTS5 table since 0001; this gives PostgreSQL the same search through the
index. The expression is an index expression (no stored column), written exactly as
``storage.catalogue.search.PG_SEARCH_VECTOR_SQL`` builds it in queries. The 'simple'
configuration: no stemming and no stop words, as the FTS5 side (the archive is multilingual).
Nothing to do on SQLite.

Revision ID: 0004_articles_search_pg
Revises: 0003_capture_host_key
"""

from __future__ import annotations

from alembic import op

revision = '0004_articles_search_pg'
down_revision = '0003_capture_host_key'
branch_labels = None
depends_on = None

# Frozen copy of the expression at the time of this migration.
_VECTOR = ("(setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A') || "
           "setweight(to_tsvector('simple'::regconfig, coalesce(author, '')), 'B') || "
           "setweight(to_tsvector('simple'::regconfig, coalesce(text, '')), 'D'))")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin ({_VECTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
