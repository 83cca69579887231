"""The catalogue: migrations, round-trips, lookups, full-text search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, inspect, text
from support.services import BACKENDS
from support.warc_samples import GZIP_BODY, gzip_response, request

from storage import Archive, ArticleData, CatalogueError, StorageConfig
from storage.catalogue import Capture, Database, queries
from storage.catalogue.database import upgrade
from storage.catalogue.inserts import insert_row
from storage.catalogue.models import Article


def test_migrations_create_schema_on_empty_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new' / 'catalogue.sqlite'}")
    tables = set(inspect(db.engine).get_table_names())
    assert {"captures", "articles", "crawl_runs", "schedules", "alembic_version", "articles_fts"} <= tables
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert upgrade(db.engine) == []  # already at head: nothing to do
    db.close()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty catalogue database: a SQLite file, or a PostgreSQL database (skips when no server)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'c.sqlite'}"
    return request.getfixturevalue("postgres_url")


def test_capture_row_round_trips(database_url: str) -> None:
    db = Database(database_url)
    when = datetime(2026, 11, 25, 6, 0, 0, 123456, tzinfo=UTC)
    with db.session() as session:
        capture = Capture(url="http://n.example/a", requested_url="http://n.example/r", status=200,
                          content_type="text/html", fetched_at=when, warc_file="X.warc.gz", warc_offset=10,
                          warc_length=20, payload_digest="sha1:AAA", record_type="response")
        session.add(capture)
    with db.session() as session:
        back = queries.get_capture(session, capture.id)
        assert back is not None
        assert (back.url, back.requested_url) == ("http://n.example/a", "http://n.example/r")
        assert (back.status, back.warc_offset) == (200, 10)
        assert back.fetched_at == when and back.fetched_at.tzinfo is not None
    db.close()


def test_insert_row_gives_the_row_its_id_and_defaults_in_one_statement(database_url: str) -> None:
    db = Database(database_url)
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2].split()[0].upper()))
    before = datetime.now(UTC)
    with db.session() as session:
        first = Capture(url="http://News.Example/a", requested_url="http://News.Example/a", status=200)
        insert_row(session, first)
        second = Capture(url="http://news.example/b", requested_url="http://news.example/b", method="HEAD")
        insert_row(session, second)
        article = Article(capture_id=first.id, title="Headline")
        insert_row(session, article)
    assert statements.count("INSERT") == 3 and "SELECT" not in statements  # no read-back
    assert inspect(first).transient and inspect(article).transient  # the ORM's unit of work never saw them
    assert second.id == first.id + 1 and article.id is not None
    # what the ORM's flush would have filled in: Python-side column defaults
    assert (first.method, second.method) == ("GET", "HEAD") and first.fetched_at >= before
    assert first.host_key == "example.news" and (article.authors, article.word_count) == ([], 0)
    with db.session() as session:
        back = queries.get_capture(session, first.id)
        assert back is not None and (back.url, back.host_key, back.fetched_at) == (first.url, "example.news",
                                                                                  first.fetched_at)
        assert queries.article_for_capture(session, first.id).title == "Headline"
    db.close()


def test_naive_datetimes_are_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'c.sqlite'}")
    with pytest.raises(CatalogueError), db.session() as session:
        session.add(Capture(url="u", requested_url="u", fetched_at=datetime(2026, 1, 1)))
    db.close()


def test_archive_catalogues_after_writing_and_reads_back(archive: Archive) -> None:
    capture = archive.record_exchange("http://news.example/story", request(), gzip_response())
    assert capture.id and capture.warc_file and capture.record_type == "response"
    record = archive.read(capture)
    assert record.payload == GZIP_BODY and record.record_id == capture.record_id
    assert (archive.config.warc_dir / (capture.warc_file + ".open")).exists()  # still being written


def test_identical_payload_is_a_revisit_across_urls_and_archives(storage_config: StorageConfig) -> None:
    with Archive(storage_config) as first:
        original = first.record_exchange("http://news.example/story", request(), gzip_response())
        same_url = first.record_exchange("http://news.example/story", request(), gzip_response())
    with Archive(storage_config) as second:  # a later process finds it through the catalogue
        other_url = second.record_exchange("http://news.example/copy", request("/copy"), gzip_response())
    for capture in (same_url, other_url):
        assert capture.record_type == "revisit" and capture.revisit_of_id == original.id
    with Archive(storage_config) as third:
        record = third.read(other_url)
        assert record.header("WARC-Refers-To") == original.record_id
        assert record.header("WARC-Refers-To-Target-URI") == "http://news.example/story"


def test_empty_and_truncated_payloads_are_never_deduplicated(archive: Archive) -> None:
    empty = gzip_response(b"")
    a = archive.record_exchange("http://news.example/r1", request(), empty)
    b = archive.record_exchange("http://news.example/r2", request(), empty)
    assert a.record_type == b.record_type == "response"
    cut1 = archive.record_exchange("http://news.example/t", request(), gzip_response(b"abc"), truncated="length")
    cut2 = archive.record_exchange("http://news.example/t", request(), gzip_response(b"abc"), truncated="length")
    assert cut1.record_type == cut2.record_type == "response"
    whole = archive.record_exchange("http://news.example/w", request(), gzip_response(b"abc"))
    assert whole.record_type == "response"  # the truncated copies are not a valid original


def test_latest_capture_by_requested_or_final_url(archive: Archive) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    archive.record_exchange("http://news.example/old", request(), gzip_response(b"x"), fetched_at=t0,
                            requested_url="http://news.example/old", redirect_location="http://news.example/new")
    final = archive.record_exchange("http://news.example/new", request(), gzip_response(b"y"), fetched_at=t0,
                                    requested_url="http://news.example/old")
    later = archive.record_exchange("http://news.example/new", request(), gzip_response(b"z"),
                                    fetched_at=t0 + timedelta(hours=1))
    with archive.db.session() as session:
        assert queries.latest_capture(session, "http://news.example/old").id == final.id
        assert queries.latest_capture(session, "http://news.example/new").id == later.id
        assert queries.latest_capture(session, "http://news.example/none") is None
        assert [c.id for c in queries.captures_of_url(session, "http://news.example/new")] == [final.id, later.id]


def test_failure_rows_have_no_location(archive: Archive) -> None:
    failed = archive.record_failure("http://news.example/slow", "timeout after 5 s")
    with archive.db.session() as session:
        assert queries.latest_capture(session, "http://news.example/slow").error == "timeout after 5 s"
        assert failed.id not in [c.id for c in queries.captures_with_location(session)]
    with pytest.raises(CatalogueError, match="no WARC record"):
        archive.read(failed)


def test_article_written_to_warc_and_found_by_full_text(archive: Archive) -> None:
    capture = archive.record_exchange("http://news.example/story", request(), gzip_response())
    data = ArticleData(title="Frustration With Russia Grows in Armenia", authors=["AFP", "Jane Doe"],
                       published="2023-04-16T12:05:00+03:00", text="Armenia has relied on Russia for decades.",
                       word_count=7, language="en")
    article = archive.record_article(capture, data)
    assert article.published_at == datetime(2023, 4, 16, 9, 5, tzinfo=UTC)
    assert article.published == "2023-04-16T12:05:00+03:00"  # the page's own offset is kept
    with archive.db.session() as session:
        assert [a.id for a in queries.full_text_search(session, "decades")] == [article.id]
        assert [a.id for a in queries.full_text_search(session, "AFP")] == [article.id]
        assert [a.id for a in queries.full_text_search(session, "author:doe")] == [article.id]
        assert queries.full_text_search(session, "nothinglikethis") == []
        with pytest.raises(CatalogueError, match="bad search query"):
            queries.full_text_search(session, '"unbalanced')
    conversion = archive.read(capture)  # the response is still where it was
    assert conversion.record_type == "response"


def test_config_from_environment(tmp_path: Path) -> None:
    config = StorageConfig.from_env({"ARCHIVER_HOME": str(tmp_path / "h"), "ARCHIVER_WARC_MAX_SIZE": "5MB"})
    assert config.warc_dir == tmp_path / "h" / "warcs"
    assert config.database_url == f"sqlite:///{tmp_path / 'h' / 'catalogue.sqlite'}"
    assert config.warc_max_size == 5_000_000
    from storage import ConfigError
    with pytest.raises(ConfigError):
        StorageConfig.from_env({"ARCHIVER_WARC_MAX_SIZE": "lots"})
    with pytest.raises(ConfigError):
        StorageConfig.from_env({"ARCHIVER_WARC_PREFIX": "bad/prefix"})


def test_bad_database_url_is_a_catalogue_error() -> None:
    with pytest.raises(CatalogueError):
        Database("definitely not a url")
