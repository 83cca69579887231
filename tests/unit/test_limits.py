"""Unit tests of the download limits, the Content-Encoding check, URL refusal and the worker pool in thread mode."""

from __future__ import annotations

import asyncio
import gc
import gzip
import io
import time
import zlib
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from archiver.crawler import extraction_pool, runner
from archiver.crawler.capture import decoding
from archiver.crawler.capture.decoding import content_decoding_error
from archiver.crawler.capture.exchange import TRUNCATED_KEY, truncation
from archiver.crawler.capture.limits import ERROR_KEY, DownloadLimits, DownloadLimitsMiddleware
from archiver.crawler.crawl import run as crawl_run
from archiver.crawler.crawl.options import CrawlOptions
from archiver.crawler.runner import archiver_settings
from archiver.crawler.workers import WorkerPool, WorkTimeout
from spiders.urls import validate_url

URL = "http://news.example/page"


def middleware(**settings: object) -> DownloadLimitsMiddleware:
    base = {"ARCHIVER_WARC_ENABLED": False, "ARCHIVER_EXTRACT_ENABLED": False, **settings}
    return DownloadLimitsMiddleware.from_crawler(get_crawler(settings_dict=base))


def stopped(mw: DownloadLimitsMiddleware, request: Request, *chunks: bytes) -> int | None:
    """Feed body chunks; the index of the chunk whose arrival stopped the download, or None."""
    for i, chunk in enumerate(chunks):
        try:
            mw.bytes_received(chunk, request)
        except StopDownload as stop:
            assert stop.fail is False  # keep the partial response
            return i
    return None


# ------------------------------------------------------------------ settings


def test_no_code_running_console_listens_in_a_crawl() -> None:
    settings = archiver_settings({})
    assert not settings.getbool("TELNETCONSOLE_ENABLED") and not settings.getbool("REMOTE_CONTROL_ENABLED")


def test_defaults_from_the_archiver_settings() -> None:
    limits = DownloadLimits.from_settings(archiver_settings({"DOWNLOAD_TIMEOUT": 10}))
    assert limits.max_body_size == 50_000_000
    assert limits.max_redirects == 20
    assert limits.time_limit(Request(URL)) == pytest.approx(9.0)  # 90% of DOWNLOAD_TIMEOUT
    assert limits.time_limit(Request(URL, meta={"download_timeout": 5})) == pytest.approx(4.5)


def test_settings_override_and_switch_off() -> None:
    limits = DownloadLimits.from_settings(archiver_settings({
        "ARCHIVER_MAX_BODY_SIZE": "64KiB", "ARCHIVER_MAX_DOWNLOAD_TIME": "2.5", "REDIRECT_ENABLED": False}))
    assert (limits.max_body_size, limits.time_limit(Request(URL)), limits.max_redirects) == (65536, 2.5, None)
    off = DownloadLimits.from_settings(archiver_settings({"ARCHIVER_MAX_BODY_SIZE": "0",
                                                          "ARCHIVER_MAX_DOWNLOAD_TIME": 0}))
    assert off.max_body_size == 0 and off.time_limit(Request(URL)) is None
    with pytest.raises(NotConfigured):
        middleware(ARCHIVER_LIMITS_ENABLED=False)


def test_limits_middleware_is_enabled_outside_the_capture_middleware() -> None:
    chain = archiver_settings().getdict("DOWNLOADER_MIDDLEWARES")
    # process_response runs from the highest number down: limits first, then capture.
    assert chain["archiver.crawler.capture.limits.DownloadLimitsMiddleware"] > chain[
        "archiver.crawler.capture.middleware.WarcCaptureMiddleware"]


# ------------------------------------------------------------------ body size


def test_body_size_stops_and_keeps_exactly_the_limit() -> None:
    mw = middleware(ARCHIVER_MAX_BODY_SIZE=1000)
    request = Request(URL)
    mw.headers_received(headers={}, body_length=10_000, request=request)
    assert stopped(mw, request, b"a" * 600, b"b" * 600, b"c" * 600) == 1  # stops once past 1000
    assert request.meta[TRUNCATED_KEY] == "length"
    partial = HtmlResponse(URL, body=b"a" * 600 + b"b" * 600, flags=["download_stopped"])
    kept = mw.process_response(request, partial)
    assert kept.body == b"a" * 600 + b"b" * 400 and len(kept.body) == 1000
    assert truncation(kept, request) == "length"
    assert mw.crawler.stats.get_value("archiver/limits/body_size") == 1


def test_body_of_exactly_the_limit_is_not_cut() -> None:
    mw = middleware(ARCHIVER_MAX_BODY_SIZE=1000)
    request = Request(URL)
    mw.headers_received(headers={}, body_length=1000, request=request)
    assert stopped(mw, request, b"a" * 500, b"a" * 500) is None


def test_a_single_chunk_over_the_limit_is_cut_too() -> None:
    mw = middleware(ARCHIVER_MAX_BODY_SIZE=100)
    request = Request(URL)
    mw.headers_received(headers={}, body_length=150, request=request)
    assert stopped(mw, request, b"x" * 150) == 0


# ------------------------------------------------------------------ download time


def test_bytes_after_the_deadline_stop_the_download_as_time() -> None:
    mw = middleware(ARCHIVER_MAX_DOWNLOAD_TIME=1.0)
    # The request was sent 2 s before its headers came: the deadline is already behind us.
    request = Request(URL, meta={"download_latency": 2.0})
    mw.headers_received(headers={}, body_length=None, request=request)
    assert stopped(mw, request, b"first bytes") == 0
    assert request.meta[TRUNCATED_KEY] == "time"
    response = mw.process_response(request, HtmlResponse(URL, body=b"first bytes", flags=["download_stopped"]))
    assert response.body == b"first bytes" and truncation(response, request) == "time"


def test_the_chunk_that_completes_the_body_is_never_cut_for_time() -> None:
    mw = middleware(ARCHIVER_MAX_DOWNLOAD_TIME=1.0)
    request = Request(URL, meta={"download_latency": 2.0})
    mw.headers_received(headers={}, body_length=11, request=request)
    assert stopped(mw, request, b"whole body!") is None


def test_within_the_deadline_nothing_is_cut() -> None:
    mw = middleware(DOWNLOAD_TIMEOUT=60)
    request = Request(URL, meta={"download_latency": 0.01, "download_timeout": 60})
    mw.headers_received(headers={}, body_length=None, request=request)
    assert stopped(mw, request, b"a" * 1000, b"b" * 1000) is None


# ------------------------------------------------------------------ redirects


def redirect(request: Request) -> HtmlResponse:
    return HtmlResponse(request.url, status=302, headers={"Location": "/elsewhere"}, request=request)


def test_one_redirect_too_many_is_kept_with_an_error() -> None:
    mw = middleware(REDIRECT_MAX_TIMES=3)
    request = Request(URL, meta={"redirect_times": 3, "redirect_ttl": 17})
    mw.process_response(request, redirect(request))
    assert request.meta["dont_redirect"] is True
    assert request.meta[ERROR_KEY] == "too many redirects: gave up after 3 (REDIRECT_MAX_TIMES is 3)"


def test_redirects_within_the_limit_are_left_to_scrapy() -> None:
    mw = middleware(REDIRECT_MAX_TIMES=3)
    request = Request(URL, meta={"redirect_times": 2, ERROR_KEY: "stale note from an earlier hop"})
    mw.process_response(request, redirect(request))
    assert "dont_redirect" not in request.meta and ERROR_KEY not in request.meta
    ok = Request(URL, meta={"redirect_times": 9})
    mw.process_response(ok, HtmlResponse(URL, status=200, request=ok))  # not a redirect at all
    assert "dont_redirect" not in ok.meta


# ------------------------------------------------------------------ Content-Encoding check


@pytest.mark.parametrize(("codings", "body"), [
    (["gzip"], b"<!DOCTYPE html><p>served plain, labelled gzip</p>"),
    (["gzip"], b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"garbage after a gzip header" * 10),
    (["deflate"], b"\x00\xff not deflate either \x00" * 10),
    (["gzip, gzip"], gzip.compress(b"only one layer", mtime=0)),
])
def test_undecodable_bodies_are_reported(codings: list[str], body: bytes) -> None:
    error = content_decoding_error(codings, body)
    assert error is not None and error.startswith("cannot decode the ")


@pytest.mark.parametrize(("codings", "body"), [
    (["gzip"], gzip.compress(b"<p>fine</p>" * 100, mtime=0)),
    (["gzip"], gzip.compress(b"<p>cut short</p>" * 5000, mtime=0)[:2000]),  # truncated: Scrapy keeps what came
    (["deflate"], zlib.compress(b"zlib-wrapped")),
    (["deflate"], zlib.compress(b"raw deflate")[2:-4]),
    (["x-gzip"], b""),  # an empty body decodes to nothing
    (["identity"], b"anything"),
    (["br"], b"not checked"),
])
def test_decodable_bodies_pass(codings: list[str], body: bytes) -> None:
    assert content_decoding_error(codings, body) is None


def _bad_crc(body: bytes) -> bytes:
    return body[:-8] + bytes([body[-8] ^ 0xFF]) + body[-7:]


def _named_member(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="page.html", mode="wb", fileobj=out, mtime=0) as member:
        member.write(data)
    return out.getvalue()


_GZIPPED = gzip.compress(b"<p>ok</p>" * 3000, mtime=0)
_ODD_GZIP = {  # bodies that are not one clean gzip member, and one that is with every header field
    "two members": _GZIPPED + gzip.compress(b"<p>second member</p>", mtime=0),
    "trailing bytes": _GZIPPED + b"\r\n\r\n",
    "trailing gzip magic": _GZIPPED + b"\x1f\x8b\x08",
    "bad CRC": _bad_crc(_GZIPPED),
    "bad CRC, tiny": _bad_crc(gzip.compress(b"x", mtime=0)),
    "file name in the header": _named_member(b"<p>named</p>" * 10),
}


@pytest.mark.parametrize("body", [
    b"<p>plain</p>", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + b"junk" * 50, b"",
    _GZIPPED, _GZIPPED[:500], _GZIPPED[:12], *_ODD_GZIP.values(),
])
def test_the_check_agrees_with_scrapys_decoder(body: bytes) -> None:
    scrapy_decoder = HttpCompressionMiddleware.from_crawler(get_crawler())
    request = Request(URL)
    try:
        scrapy_decoder.process_response(request, Response(URL, body=body, headers={"Content-Encoding": "gzip"}))
    except Exception:
        scrapy_fails = True
    else:
        scrapy_fails = False
    assert (content_decoding_error(["gzip"], body) is not None) == scrapy_fails


@pytest.mark.parametrize("name", sorted(_ODD_GZIP))
def test_a_gzip_layer_decodes_as_gzipfile_decodes_it(name: str) -> None:
    body = _ODD_GZIP[name]
    layered = gzip.compress(body, mtime=0)  # the inner layer's decoded bytes feed the check of the outer one
    assert content_decoding_error(["gzip, gzip"], layered) == content_decoding_error(["gzip"], body)
    assert decoding._gunzip(body) == _gunzip_with_gzipfile(body)


def test_a_whole_gzip_member_is_decoded_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # GzipFile reads through Python code in small pieces: the page of nearly every response
    # must not go that way.
    monkeypatch.setattr(decoding, "GzipFile", None)
    assert content_decoding_error(["gzip"], _GZIPPED) is None
    assert decoding._gunzip(_GZIPPED) == (b"<p>ok</p>" * 3000, None)


def _gunzip_with_gzipfile(body: bytes) -> tuple[bytes, str | None]:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as reader:
            out = io.BytesIO()
            while chunk := reader.read1(65536):
                out.write(chunk)
    except (OSError, EOFError) as exc:
        return (out.getvalue(), None) if out.tell() else (b"", decoding._describe(exc))
    return out.getvalue(), None


def test_a_compression_bomb_is_checked_within_a_budget() -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9, mtime=0)  # 200 MiB of zeros, ~200 KB
    started = time.monotonic()
    assert content_decoding_error(["gzip"], bomb) is None
    assert time.monotonic() - started < 2


# ------------------------------------------------------------------ URLs


@pytest.mark.parametrize("url", ["http://news.example/a\r\nX-Injected: yes", "http://news.example/a\nb",
                                 "http://news.example/\x00"])
def test_raw_control_characters_in_a_url_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="control characters"):
        validate_url(url)


def test_percent_encoded_crlf_stays_encoded() -> None:
    assert validate_url("http://news.example/a%0d%0aX-Injected:%20yes") == "http://news.example/a%0d%0aX-Injected:%20yes"
    assert validate_url("  http://news.example/trailing-newline\r\n") == "http://news.example/trailing-newline"


# ------------------------------------------------------------------ worker pool


@pytest.mark.parametrize(("overrides", "starts"), [
    ({}, True),
    ({"ARCHIVER_EXTRACT_ENABLED": False}, False),
    ({"ARCHIVER_EXTRACT_WORKERS": 0}, False),  # extraction in a thread: no forkserver at all
    ({"ITEM_PIPELINES": {"archiver.crawler.pipelines.ExtractionPipeline": None}}, False),
])
def test_the_extraction_forkserver_starts_before_the_crawler_when_the_pipeline_will_run(
        overrides: dict, starts: bool, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    events: list[str] = []
    monkeypatch.setattr(extraction_pool, "start_forkserver", lambda preload: events.append(f"forkserver {preload}"))
    monkeypatch.setattr(runner, "run_crawler_process", lambda *args, **kwargs: events.append("crawler"))
    monkeypatch.setattr(crawl_run, "run_crawler_process", lambda *args, **kwargs: events.append("crawler"))
    monkeypatch.setenv("ARCHIVER_HOME", str(tmp_path))
    runner.run_spider(Spider, archiver_settings(overrides), kind="test", run_settings={})
    crawl_run.run_crawl(CrawlOptions("sitemap", "http://news.test/sitemap.xml"), overrides)
    assert events == 2 * (([f"forkserver {extraction_pool.WORKER_PRELOAD}"] if starts else []) + ["crawler"])


def test_startup_objects_are_out_of_the_collectors_sight_while_the_crawl_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A full collection walked every object start-up left: 110-140 ms stalls every few seconds."""
    frozen_during: list[int] = []

    class FakeProcess:
        crawlers: list = []

        def __init__(self, settings: object) -> None: ...

        def crawl(self, spidercls: type, **kwargs: object) -> Deferred:
            return Deferred()

        def start(self) -> None:
            frozen_during.append(gc.get_freeze_count())
            raise RuntimeError("the crawl broke")

    monkeypatch.setattr(runner, "CrawlerProcess", FakeProcess)
    with pytest.raises(RuntimeError):
        runner.run_crawler_process(archiver_settings({}), Spider, {})
    assert frozen_during[0] > 10_000  # the modules and objects loaded so far
    assert gc.get_freeze_count() == 0  # and back under collection once the crawl is over


def test_thread_mode_frees_the_caller_on_timeout() -> None:
    async def scenario() -> float:
        pool = WorkerPool(0, timeout=0.2)
        started = time.monotonic()
        with pytest.raises(WorkTimeout):
            await pool.run(time.sleep, 1)
        elapsed = time.monotonic() - started
        assert await pool.run(abs, -1) == 1
        pool.close()
        return elapsed

    assert asyncio.run(scenario()) < 0.9


def test_exceptions_from_the_call_come_through() -> None:
    async def scenario() -> None:
        pool = WorkerPool(0, timeout=None)
        try:
            with pytest.raises(ValueError):
                await pool.run(int, "not a number")
        finally:
            pool.close()

    asyncio.run(scenario())
