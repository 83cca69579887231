"""The catalogue on PostgreSQL: the same migrations, models and capture path as on SQLite.

Full-text search on PostgreSQL (tsvector) belongs to the [scale] work; these tests prove the
schema and payload-digest dedup, which every later layer stands on (the capture round trip
runs on both databases in test_catalogue.py).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect
from support.warc_samples import GZIP_BODY, gzip_response, request

from storage import Archive, StorageConfig
from storage.catalogue import queries
from storage.catalogue.database import Database


def test_migrations_create_the_schema_on_postgres(postgres_url: str) -> None:
    db = Database(postgres_url)
    assert db.dialect == "postgresql"
    tables = set(inspect(db.engine).get_table_names())
    assert {"captures", "articles", "crawl_runs", "schedules", "alembic_version"} <= tables
    db.close()


def test_archive_on_postgres_writes_then_dedups_across_urls(postgres_url: str, tmp_path: Path) -> None:
    config = StorageConfig.from_env({"ARCHIVER_DATABASE_URL": postgres_url}, home=tmp_path / "archive",
                                    fsync_interval=0.0)
    with Archive(config) as archive:
        first = archive.record_exchange("http://news.example/a", request(), gzip_response())
        second = archive.record_exchange("http://news.example/b", request(), gzip_response())
        assert first.record_type == "response" and archive.read(first).payload == GZIP_BODY
        assert second.record_type == "revisit" and second.revisit_of_id == first.id
        with archive.db.session() as session:
            assert queries.latest_capture(session, "http://news.example/b").id == second.id
