"""The catalogue on PostgreSQL: the same migrations, models and capture path as on SQLite.

Full-text search on PostgreSQL (tsvector) belongs to the [scale] work; these tests prove the
schema, the capture round trip and payload-digest dedup, which every later layer stands on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect
from warc_samples import GZIP_BODY, gzip_response, request

from storage import Archive, StorageConfig
from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.catalogue.models import Capture


def test_migrations_create_the_schema_on_postgres(postgres_url: str) -> None:
    db = Database(postgres_url)
    assert db.dialect == "postgresql"
    tables = set(inspect(db.engine).get_table_names())
    assert {"captures", "articles", "crawl_runs", "schedules", "alembic_version"} <= tables
    db.close()


def test_capture_row_round_trips_with_microseconds_and_timezone(postgres_url: str) -> None:
    db = Database(postgres_url)
    when = datetime(2026, 11, 25, 6, 0, 0, 123456, tzinfo=UTC)
    with db.session() as session:
        capture = Capture(url="http://n.example/a", requested_url="http://n.example/r", status=200,
                          content_type="text/html", fetched_at=when, warc_file="X.warc.gz", warc_offset=10,
                          warc_length=20, payload_digest="sha1:AAA", record_type="response")
        session.add(capture)
    with db.session() as session:
        back = queries.get_capture(session, capture.id)
        assert back is not None and back.fetched_at == when and back.status == 200
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
