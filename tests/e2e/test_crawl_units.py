"""Crawl pieces that start a process: the 304 revisit record read back by warcio, and a refused
``archiver crawl`` (it starts the extraction forkserver before it looks at the runs)."""

from __future__ import annotations

import subprocess

import pytest
from support.cli import run_cli, tool
from support.warc_samples import gzip_response, request

from archiver.crawler.crawl.run import plan_resume
from storage.warc import HttpResponse, read_record
from storage.warc.writer import SERVER_NOT_MODIFIED

URL = "http://news.example/story"


def not_modified() -> HttpResponse:
    return HttpResponse(304, [("Etag", '"abc"'), ("Date", "Mon, 01 Jan 2024 00:00:00 GMT")], b"")


def test_304_is_a_server_not_modified_revisit_of_the_earlier_response(archive) -> None:
    original = archive.record_exchange(URL, request(), gzip_response())
    copy = archive.record_exchange("http://news.example/copy", request("/copy"), gzip_response())
    assert copy.record_type == "revisit" and copy.revisit_of_id == original.id
    # Made against the identical-payload revisit: the 304 points at the response holding the payload.
    answer = archive.record_exchange("http://news.example/copy", request("/copy"), not_modified(),
                                     not_modified_of=copy.id)
    assert (answer.record_type, answer.status, answer.revisit_of_id) == ("revisit", 304, original.id)
    assert answer.payload_digest == original.payload_digest
    record = archive.read(answer)
    assert record.header("WARC-Profile") == SERVER_NOT_MODIFIED
    assert record.header("WARC-Refers-To") == original.record_id
    assert record.header("WARC-Refers-To-Target-URI") == URL
    # The original's payload digest, so replay tools resolve the revisit to it (pywb, ReplayWeb.page).
    assert record.header("WARC-Payload-Digest") == original.payload_digest == archive.read(original).header(
        "WARC-Payload-Digest")
    assert record.http_status == 304 and record.payload == b""
    archive.close()
    [path] = archive.config.warc_dir.glob("*.warc.gz")
    check = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True)
    assert check.returncode == 0 and "fail" not in check.stdout, check.stdout + check.stderr
    assert read_record(path, answer.warc_offset).record_type == "revisit"


def test_a_running_crawl_is_neither_resumed_nor_started_twice(storage_config) -> None:
    from archiver.crawler.crawl.run import CrawlStartError
    from storage import Archive

    with Archive(storage_config) as archive:
        archive.start_run("site", name="busy")  # this test's own (live) pid
        with pytest.raises(CrawlStartError, match="still running"):
            plan_resume(archive, "busy")
    result = run_cli(None, "--home", str(storage_config.home), "crawl", "--site", "http://127.0.0.1:9/",
                     "--name", "busy")
    assert result.returncode == 1 and "already running" in result.output
