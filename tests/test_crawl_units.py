"""Crawl pieces without a crawl: the 304 revisit record, options, run bookkeeping."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import tool
from warc_samples import gzip_response, request

from archiver.core.durations import DurationError, parse_duration
from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions, user_agent
from archiver.crawler.crawl.run import plan_resume
from storage.catalogue.models import CrawlRun
from storage.catalogue.runs import captured_urls, resume_chain
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
    assert record.header("WARC-Payload-Digest") is None
    assert record.http_status == 304 and record.payload == b""
    archive.close()
    [path] = archive.config.warc_dir.glob("*.warc.gz")
    assert subprocess.run([tool("warcio"), "check", str(path)], capture_output=True).returncode == 0
    assert read_record(path, answer.warc_offset).record_type == "revisit"


def test_304_without_an_earlier_capture_is_kept_as_a_response(archive) -> None:
    answer = archive.record_exchange(URL, request(), not_modified())
    assert (answer.record_type, answer.revisit_of_id) == ("response", None)


def test_resume_chain_and_captured_urls(archive) -> None:
    first = archive.start_run("sitemap", name="gazette")
    archive.record_exchange(URL, request(), gzip_response(), crawl_run_id=first)
    archive.record_failure("http://news.example/down", "TimeoutError", crawl_run_id=first)
    archive.finish_run(first, status="interrupted", stats={"close_reason": "shutdown"})
    plan = plan_resume(archive, "gazette")
    assert (plan.previous, plan.runs, plan.keep_jobdir) == (first, [first], True)
    second = archive.start_run("sitemap", name="gazette", settings={"resumed_from": first})
    with archive.db.session() as session:
        assert resume_chain(session, second) == [second, first]
        assert captured_urls(session, [second, first]) == {URL}  # a failure is not "archived"
    # Left "running" by a process that is gone (SIGKILL): JOBDIR state is not trusted.
    with archive.db.session() as session:
        session.get(CrawlRun, second).pid = 2**22 + 12345
    plan = plan_resume(archive, "gazette")
    assert (plan.previous, plan.runs, plan.keep_jobdir) == (second, [second, first], False)
    with archive.db.session() as session:
        assert session.get(CrawlRun, second).status == "interrupted"


def test_durations_and_user_agent() -> None:
    assert parse_duration("1d") == 86400 and parse_duration("30m") == 1800 and parse_duration(90) == 90
    with pytest.raises(DurationError, match="not a duration"):
        parse_duration("soon")
    assert user_agent("ops@example.org").endswith("; ops@example.org)")
    assert user_agent(None).startswith("news-archiver/")


def test_options_are_checked_up_front(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# none\n\n")
    cases = [
        (CrawlOptions("site", "http://x.test/", since="2024-01-01"), "--since applies to"),
        (CrawlOptions("feed", "http://x.test/", max_depth=2), "--max-depth only applies"),
        (CrawlOptions("urls", str(listing)), "lists no URLs"),
        (CrawlOptions("site", "http://x.test/", name="../etc"), "--name"),
        (CrawlOptions("sitemap", "javascript:alert(1)"), r"--sitemap: not an http\(s\) URL"),
    ]
    for options, message in cases:
        with pytest.raises(CrawlOptionError, match=message):
            options.check()
    options = CrawlOptions("site", "http://www.x.test:8080/a")
    options.check()
    assert options.run_name == "site-www.x.test-8080"


def test_a_running_crawl_is_neither_resumed_nor_started_twice(storage_config) -> None:
    from typer.testing import CliRunner

    from archiver.cli import app
    from archiver.crawler.crawl.run import CrawlStartError
    from storage import Archive

    with Archive(storage_config) as archive:
        archive.start_run("site", name="busy")  # this test's own (live) pid
        with pytest.raises(CrawlStartError, match="still running"):
            plan_resume(archive, "busy")
    result = CliRunner().invoke(app, ["--home", str(storage_config.home), "crawl", "--site", "http://127.0.0.1:9/",
                                      "--name", "busy"])
    assert result.exit_code == 1 and "already running" in result.output


def test_conditional_headers_come_from_the_304_and_its_original(archive) -> None:
    from archiver.crawler.crawl.incremental import IncrementalMiddleware

    original = archive.record_exchange(URL, request(), HttpResponse(
        200, [("Content-Type", "text/html"), ("Etag", '"v1"'), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")],
        b"<html><body>story</body></html>"))
    bare_304 = archive.record_exchange(URL, request(), HttpResponse(304, [("Date", "Tue, 02 Jan 2024 00:00:00 GMT")],
                                                                    b""), not_modified_of=original.id)
    assert IncrementalMiddleware._validators(archive, bare_304) == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
