"""A full disk: the writer cuts a failed record back out, rows and records go together, the free-space floor."""

from __future__ import annotations

import asyncio
import errno
import io
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.test import get_crawler
from sqlalchemy.exc import OperationalError

from archiver.crawler.capture import free_space
from archiver.crawler.capture.free_space import FreeSpaceMiddleware
from archiver.crawler.capture.session import _RUN_STATUS
from archiver.crawler.runner import archiver_settings
from storage import Archive, ArticleData, DiskFullError, StorageConfig
from storage.config import parse_size
from storage.errors import ConfigError
from storage.warc import HttpRequest, HttpResponse
from storage.warc import writer as writer_module
from storage.warc.reader import iter_records
from storage.warc.writer import WarcWriter


def _exchange(archive: Archive, i: int):
    return archive.record_exchange(f"http://news.example/{i}", HttpRequest("GET", f"/{i}", [("Host", "news.example")]),
                                   HttpResponse(200, [("Content-Type", "text/html")], f"<p>story {i}</p>".encode()))


def _fill_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    """Let ``writes`` writes through, then write half of the next one and fail with ENOSPC (as a full disk does)."""
    real = writer_module._write_all
    count = {"n": 0}

    def write_all(file: io.FileIO, data: bytes) -> None:
        count["n"] += 1
        if count["n"] <= writes:
            return real(file, data)
        file.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer_module, "_write_all", write_all)


def test_parse_size_reads_bytes_and_zero_where_allowed() -> None:
    assert parse_size("512B") == 512 and parse_size("0B", allow_zero=True) == 0 and parse_size("1GB") == 10**9
    with pytest.raises(ConfigError):
        parse_size("0B")  # a size that must be positive (a WARC file's size limit)
    with pytest.raises(ConfigError):
        parse_size("-1", allow_zero=True)


def test_a_failed_write_is_cut_back_and_says_where_and_how_much_is_free(tmp_path: Path, monkeypatch) -> None:
    writer = WarcWriter(tmp_path)
    writer.write_record("metadata", "urn:x:1", b"one", content_type="text/plain")
    size = writer.current_file.stat().st_size
    _fill_after(monkeypatch, 0)
    with pytest.raises(DiskFullError) as raised:
        writer.write_record("metadata", "urn:x:2", b"two" * 1000, content_type="text/plain")
    message = str(raised.value)
    assert message.startswith(f"disk full: cannot write {writer.current_file} (") and message.endswith(" free)")
    assert "\n" not in message and writer.disk_full is raised.value
    assert writer.current_file.stat().st_size == size  # the half-written record is gone
    writer.close()
    [closed] = writer.closed_files
    assert [(r.record_type, r.target_uri) for r in iter_records(closed)][1:] == [("metadata", "urn:x:1")]


def test_a_file_whose_warcinfo_does_not_fit_is_not_left_behind(tmp_path: Path, monkeypatch) -> None:
    _fill_after(monkeypatch, 0)
    writer = WarcWriter(tmp_path)
    with pytest.raises(DiskFullError):
        writer.write_record("metadata", "urn:x:1", b"one", content_type="text/plain")
    assert list(tmp_path.iterdir()) == []


def test_records_whose_row_cannot_be_written_are_taken_back_out(tmp_path: Path, monkeypatch) -> None:
    from storage import archive as archive_module

    config = StorageConfig.from_env({}, home=tmp_path / "archive")
    with Archive(config) as archive:
        kept = _exchange(archive, 1)
        archive.record_article(kept, ArticleData(title="one", text="story one"))
        end = archive.writer.current_file.stat().st_size

        def full(session, row) -> None:  # what SQLite says when its disk is full
            refused = sqlite3.OperationalError("database or disk is full")
            refused.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise OperationalError("INSERT", {}, refused)

        monkeypatch.setattr(archive_module, "insert_row", full)
        with pytest.raises(DiskFullError):
            _exchange(archive, 2)
        with pytest.raises(DiskFullError):
            archive.record_article(kept, ArticleData(title="one", text="story one, again"))
        assert archive.writer.current_file.stat().st_size == end
        assert archive.disk_full is not None and "catalogue.sqlite" in str(archive.disk_full)
    [closed] = config.warc_dir.glob("*.warc.gz")
    kinds = [(r.record_type, r.target_uri) for r in iter_records(closed)][1:]  # after the warcinfo
    assert kinds == [("response", "http://news.example/1"),
                     ("request", "http://news.example/1"), ("conversion", "urn:text:http://news.example/1"),
                     ("metadata", "urn:metadata:http://news.example/1")]


def test_discard_removes_a_file_opened_since_the_mark(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    mark = writer.mark()
    writer.write_record("metadata", "urn:x:1", b"one", content_type="text/plain")
    writer.discard(mark)
    assert list(tmp_path.iterdir()) == [] and writer.current_file is None
    with writer.atomic():
        writer.write_record("metadata", "urn:x:2", b"two", content_type="text/plain")
    with pytest.raises(RuntimeError), writer.atomic():
        writer.write_record("metadata", "urn:x:3", b"three", content_type="text/plain")
        raise RuntimeError("the row failed")
    writer.close()
    assert [r.target_uri for r in iter_records(writer.closed_files[0])][1:] == ["urn:x:2"]


# --------------------------------------------------------------------------- the floor


class _Engine:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    async def close_spider_async(self, *, reason: str) -> None:
        self.reasons.append(reason)


def _floor(min_free: str, tmp_path: Path) -> tuple[FreeSpaceMiddleware, _Engine]:
    crawler = get_crawler(settings_dict={"ARCHIVER_MIN_FREE": min_free})
    middleware = FreeSpaceMiddleware.from_crawler(crawler)
    middleware._directories = [tmp_path / "warcs", tmp_path]  # no archive needed to measure
    engine = crawler.engine = _Engine()
    return middleware, engine


def test_the_floor_is_on_by_default_and_zero_switches_it_off(tmp_path: Path) -> None:
    assert archiver_settings().get("ARCHIVER_MIN_FREE") == "1GB"
    with pytest.raises(NotConfigured):
        _floor("0B", tmp_path)
    with pytest.raises(ConfigError, match="ARCHIVER_MIN_FREE"):
        _floor("lots", tmp_path)


def test_below_the_floor_the_crawl_closes_as_min_free_and_sends_nothing_more(tmp_path: Path, monkeypatch) -> None:
    free = {"bytes": 5 * 10**9}
    monkeypatch.setattr(free_space, "free_bytes", lambda path: free["bytes"])
    monkeypatch.setattr(free_space, "deferred_from_coro", asyncio.run)  # no reactor here
    middleware, engine = _floor("1GB", tmp_path)
    assert middleware.process_request(Request("http://news.example/1")) is None
    free["bytes"] = 999_999_999  # just under the floor
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://news.example/2"))
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request("http://news.example/3"))
    assert engine.reasons == ["min_free"]  # closed once
    stopped = middleware.crawler.stats.get_value("archiver/min_free_reached")
    assert stopped == f"stopping: 1000.0 MB free on {tmp_path / 'warcs'}, below ARCHIVER_MIN_FREE (1.0 GB)"
    assert _RUN_STATUS["min_free"] == "min-free"
