"""Crawl pieces without a crawl: the 304 revisit record, options, run bookkeeping."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.warc_samples import gzip_response, request

from archiver.core.durations import DurationError, parse_duration
from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions, user_agent
from archiver.crawler.crawl.run import plan_resume
from storage.catalogue.models import CrawlRun
from storage.catalogue.runs import captured_urls, resume_chain
from storage.warc import HttpResponse

URL = "http://news.example/story"


def not_modified() -> HttpResponse:
    return HttpResponse(304, [("Etag", '"abc"'), ("Date", "Mon, 01 Jan 2024 00:00:00 GMT")], b"")


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
        assert session.get(CrawlRun, second).status == "killed"  # as `runs` showed it before the resume


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


def test_conditional_headers_come_from_the_304_and_its_original(archive) -> None:
    from archiver.crawler.crawl.incremental import IncrementalMiddleware

    original = archive.record_exchange(URL, request(), HttpResponse(
        200, [("Content-Type", "text/html"), ("Etag", '"v1"'), ("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")],
        b"<html><body>story</body></html>"))
    bare_304 = archive.record_exchange(URL, request(), HttpResponse(304, [("Date", "Tue, 02 Jan 2024 00:00:00 GMT")],
                                                                    b""), not_modified_of=original.id)
    assert IncrementalMiddleware._validators(archive, bare_304) == {
        "If-None-Match": '"v1"', "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"}
