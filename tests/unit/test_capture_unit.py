"""Unit tests of the capture components: request/response conversion and Scrapy configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from archiver.core.config import ArchiverConfig
from archiver.crawler.capture.exchange import (
    redirect_location,
    requested_url,
    to_http_request,
    to_http_response,
    truncation,
)
from archiver.crawler.capture.middleware import WarcCaptureMiddleware
from archiver.crawler.pipelines import ExtractionPipeline
from spiders.urls import UrlsSpider, validate_url


def test_request_rebuilt_as_twisted_writes_it() -> None:
    request = Request("http://news.example:8080/a/b?x=1#frag", headers={"Accept": "text/html", "User-Agent": "t"})
    http = to_http_request(request)
    assert http.request_line == "GET /a/b?x=1 HTTP/1.1"
    assert http.headers == [("Accept", "text/html"), ("User-Agent", "t"), ("Host", "news.example:8080")]


def test_post_request_gets_content_length() -> None:
    http = to_http_request(Request("https://news.example/", method="POST", body=b"a=1"))
    assert ("Content-Length", "3") in http.headers and http.headers[-1] == ("Host", "news.example")
    assert http.body == b"a=1"


def test_response_headers_are_copied_not_referenced() -> None:
    response = HtmlResponse("http://news.example/", body=b"\x1f\x8b", headers={"Content-Encoding": "gzip",
                                                                              "Set-Cookie": ["a=1", "b=2"]})
    http = to_http_response(response)
    response.headers.pop("Content-Encoding")  # what HttpCompressionMiddleware does later
    assert ("Content-Encoding", "gzip") in http.headers
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert http.body == b"\x1f\x8b"


def test_truncation_flags() -> None:
    url = "http://news.example/"
    assert truncation(HtmlResponse(url, flags=["dataloss"])) == "disconnect"
    assert truncation(HtmlResponse(url, flags=["partial"])) is None  # HTTP/1.0 close-delimited: complete
    assert truncation(HtmlResponse(url)) is None


def test_redirect_bookkeeping() -> None:
    request = Request("http://news.example/b", meta={"redirect_urls": ["http://news.example/a"]})
    assert requested_url(request) == "http://news.example/a"
    response = HtmlResponse("http://news.example/b", status=302, headers={"Location": "/c"}, request=request)
    assert redirect_location(response) == "http://news.example/c"
    assert redirect_location(HtmlResponse("http://news.example/b", status=200)) is None


def test_middleware_and_pipeline_can_be_switched_off() -> None:
    crawler = get_crawler(UrlsSpider, {"ARCHIVER_WARC_ENABLED": False, "ARCHIVER_EXTRACT_ENABLED": False})
    with pytest.raises(NotConfigured):
        WarcCaptureMiddleware.from_crawler(crawler)
    with pytest.raises(NotConfigured):
        ExtractionPipeline.from_crawler(crawler)


def test_storage_settings_from_scrapy_settings(tmp_path: Path) -> None:
    settings = {"ARCHIVER_HOME": str(tmp_path), "ARCHIVER_WARC_MAX_SIZE": "10MB"}
    config = ArchiverConfig.from_scrapy_settings(settings, {}).storage
    assert config.warc_dir == tmp_path / "warcs" and config.warc_max_size == 10_000_000


@pytest.mark.parametrize("url", ["ftp://x.example/", "javascript:alert(1)", "http://", "not a url", "http://a:xx/"])
def test_validate_url_refuses(url: str) -> None:
    with pytest.raises(ValueError):
        validate_url(url)


def test_validate_url_normalises() -> None:
    assert validate_url(" https://news.example/a b ") == "https://news.example/a%20b"


def test_urls_spider_needs_urls() -> None:
    with pytest.raises(ValueError, match="needs urls"):
        UrlsSpider()
    assert UrlsSpider(urls="http://a.example/ http://b.example/").start_urls == ["http://a.example/", "http://b.example/"]


def test_session_hands_each_capture_to_the_pipeline_once_and_keeps_only_the_latest(tmp_path: Path) -> None:
    from archiver.crawler.capture import session as sessions
    from storage.catalogue.models import Capture

    crawler = get_crawler(UrlsSpider, {"ARCHIVER_HOME": str(tmp_path)})
    session = sessions.archive_session(crawler)
    try:
        captures = [Capture(id=i, url=f"http://news.example/{i}") for i in range(1, sessions._RECENT_CAPTURES + 3)]
        for capture in captures:
            session.remember(capture)
        assert session.recall(1) is None and session.recall(2) is None  # the oldest were let go
        assert session.recall(3) is captures[2]
        assert session.recall(3) is None  # handed over once
        assert session.recall(captures[-1].id) is captures[-1]
    finally:
        session.archive.close()


def test_session_makes_every_catalogue_call_on_its_one_thread_in_order(tmp_path: Path) -> None:
    import asyncio
    import threading
    import time

    from archiver.crawler.capture import session as sessions

    session = sessions.archive_session(get_crawler(UrlsSpider, {"ARCHIVER_HOME": str(tmp_path)}))
    seen: list[tuple[int, str]] = []

    def call(index: int) -> int:
        time.sleep(0.01 * (5 - index))  # the first ones take longest: a pool of threads would reorder them
        seen.append((index, threading.current_thread().name))
        return index

    async def scenario() -> list[int]:
        return list(await asyncio.gather(*(session.call(call, i) for i in range(5))))

    try:
        assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]
        assert [index for index, _ in seen] == [0, 1, 2, 3, 4]
        assert len({name for _, name in seen}) == 1 and seen[0][1].startswith("catalogue")
    finally:
        session.close("finished", {})


def test_a_revisit_of_a_page_still_being_extracted_copies_its_article(tmp_path: Path) -> None:
    """Two URLs with the same bytes in flight at once: one extraction, one conversion record, two articles."""
    import asyncio

    from warcio.archiveiterator import ArchiveIterator

    from spiders.items import Page
    from storage.catalogue import queries

    html = ("<html><head><title>Same story twice</title></head><body><article><h1>Same story twice</h1>"
            + "<p>The council met on Tuesday and agreed a budget for schools, roads and hospitals.</p>" * 20
            + "</article></body></html>")
    crawler = get_crawler(UrlsSpider, {"ARCHIVER_HOME": str(tmp_path), "ARCHIVER_EXTRACT_WORKERS": 0})
    pipeline = ExtractionPipeline.from_crawler(crawler)
    archive = pipeline.session.archive
    captures = []
    for url in ("http://news.example/a", "http://news.example/amp/a"):
        request = Request(url)
        response = HtmlResponse(url, body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"},
                                request=request)
        captures.append(archive.record_exchange(url, to_http_request(request), to_http_response(response)))
    original, revisit = captures
    assert revisit.revisit_of_id == original.id
    items = [Page(url=c.url, requested_url=c.url, status=200, content_type="text/html", html=html, capture_id=c.id)
             for c in captures]

    async def both() -> None:
        await asyncio.gather(*(pipeline.process_item(item) for item in items))

    try:
        asyncio.run(both())
        pipeline.close_spider()
        with archive.db.session() as session:
            articles = [queries.article_for_capture(session, c.id) for c in captures]
        assert all(article is not None for article in articles)
        assert articles[0].conversion_record_id == articles[1].conversion_record_id
    finally:
        archive.close()
    conversions = 0
    for path in (tmp_path / "warcs").glob("*.warc.gz"):
        with path.open("rb") as stream:
            conversions += sum(record.rec_type == "conversion" for record in ArchiveIterator(stream))
    assert conversions == 1


def test_the_listing_fills_only_what_the_page_does_not_say() -> None:
    from archiver.crawler.pipelines import article_data
    from archiver.extraction import ExtractionResult

    listing = {"title": "Feed title", "published": "2024-04-02T08:00:00+00:00", "authors": ["Feed Author"],
               "summary": "Feed summary.", "source": "http://news.example/feed.xml"}
    bare = article_data(ExtractionResult(text="Body text."), listing)
    assert (bare.title, bare.published, bare.authors, bare.description) == (
        "Feed title", "2024-04-02T08:00:00+00:00", ["Feed Author"], "Feed summary.")
    assert {bare.field_sources[name] for name in ("title", "published", "authors", "description")} == {"listing"}
    assert bare.listing == listing
    page = ExtractionResult(text="Body.", title="Page title", authors=("Page Author",), published="2024-04-01",
                            sources={"title": "json-ld"})
    full = article_data(page, listing)
    assert (full.title, full.authors, full.published) == ("Page title", ["Page Author"], "2024-04-01")
    assert full.field_sources == {"title": "json-ld", "description": "listing"}
    assert article_data(page).listing == {}
