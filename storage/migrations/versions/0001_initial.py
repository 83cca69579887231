"""Initial catalogue schema: crawl runs, captures, articles, schedules, and (SQLite) FTS5.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('cron', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedules')),
    sa.UniqueConstraint('name', name=op.f('uq_schedules_name'))
    )
    op.create_table('crawl_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=True),
    sa.Column('hostname', sa.String(length=255), nullable=True),
    sa.Column('pid', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['schedule_id'], ['schedules.id'], name=op.f('fk_crawl_runs_schedule_id_schedules'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crawl_runs'))
    )
    op.create_table('captures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('crawl_run_id', sa.Integer(), nullable=True),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('requested_url', sa.Text(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=255), nullable=True),
    sa.Column('redirect_location', sa.Text(), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('warc_file', sa.String(length=255), nullable=True),
    sa.Column('warc_offset', sa.BigInteger(), nullable=True),
    sa.Column('warc_length', sa.BigInteger(), nullable=True),
    sa.Column('record_id', sa.String(length=64), nullable=True),
    sa.Column('record_type', sa.String(length=16), nullable=True),
    sa.Column('request_record_id', sa.String(length=64), nullable=True),
    sa.Column('payload_digest', sa.String(length=64), nullable=True),
    sa.Column('payload_length', sa.BigInteger(), nullable=True),
    sa.Column('truncated', sa.String(length=16), nullable=True),
    sa.Column('revisit_of_id', sa.Integer(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['crawl_run_id'], ['crawl_runs.id'], name=op.f('fk_captures_crawl_run_id_crawl_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revisit_of_id'], ['captures.id'], name=op.f('fk_captures_revisit_of_id_captures'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_captures'))
    )
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.create_index('ix_captures_crawl_run_id', ['crawl_run_id'], unique=False)
        batch_op.create_index('ix_captures_fetched_at', ['fetched_at'], unique=False)
        batch_op.create_index('ix_captures_payload_digest', ['payload_digest'], unique=False)
        batch_op.create_index('ix_captures_requested_url', ['requested_url'], unique=False, postgresql_using='hash')
        batch_op.create_index('ix_captures_url', ['url'], unique=False, postgresql_using='hash')

    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('capture_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('author', sa.Text(), nullable=True),
    sa.Column('published', sa.String(length=40), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('modified', sa.String(length=40), nullable=True),
    sa.Column('sitename', sa.Text(), nullable=True),
    sa.Column('language', sa.String(length=16), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('canonical_url', sa.Text(), nullable=True),
    sa.Column('image', sa.Text(), nullable=True),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('word_count', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.Column('extractor', sa.String(length=64), nullable=True),
    sa.Column('field_sources', sa.JSON(), nullable=False),
    sa.Column('conversion_file', sa.String(length=255), nullable=True),
    sa.Column('conversion_offset', sa.BigInteger(), nullable=True),
    sa.Column('conversion_length', sa.BigInteger(), nullable=True),
    sa.Column('conversion_record_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['capture_id'], ['captures.id'], name=op.f('fk_articles_capture_id_captures'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('capture_id', name=op.f('uq_articles_capture_id'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_language', ['language'], unique=False)
        batch_op.create_index('ix_articles_published_at', ['published_at'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        _create_sqlite_fts()


# External-content FTS5 index over articles, kept in step by triggers. Authors are indexed
# through the "author" column (names joined with "; ").
_FTS_COLUMNS = "title, author, text"


def _create_sqlite_fts() -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE articles_fts USING fts5({_FTS_COLUMNS}, "
        "content='articles', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN "
        f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.title, new.author, new.text); END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN "
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, old.title, old.author, old.text); END"
    )
    op.execute(
        f"CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles BEGIN "
        f"INSERT INTO articles_fts(articles_fts, rowid, {_FTS_COLUMNS}) "
        f"VALUES ('delete', old.id, old.title, old.author, old.text); "
        f"INSERT INTO articles_fts(rowid, {_FTS_COLUMNS}) VALUES (new.id, new.title, new.author, new.text); END"
    )


def _drop_sqlite_fts() -> None:
    for trigger in ("articles_fts_insert", "articles_fts_delete", "articles_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS articles_fts")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _drop_sqlite_fts()
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_published_at')
        batch_op.drop_index('ix_articles_language')

    op.drop_table('articles')
    with op.batch_alter_table('captures', schema=None) as batch_op:
        batch_op.drop_index('ix_captures_url', postgresql_using='hash')
        batch_op.drop_index('ix_captures_requested_url', postgresql_using='hash')
        batch_op.drop_index('ix_captures_payload_digest')
        batch_op.drop_index('ix_captures_fetched_at')
        batch_op.drop_index('ix_captures_crawl_run_id')

    op.drop_table('captures')
    op.drop_table('crawl_runs')
    op.drop_table('schedules')
