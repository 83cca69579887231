"""Page requisites: discovery in HTML and CSS, their WARC record and links, show's summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy import Request
from support.services import BACKENDS
from support.warc_samples import request as http_request

from archiver.crawler.capture.limits import MAX_BODY_SIZE_KEY, DownloadLimits, DownloadLimitsMiddleware
from archiver.crawler.requisites.discovery import (
    Requisite,
    css_requisites,
    html_requisites,
    srcset_urls,
    style_attribute_requisites,
)
from archiver.services.requisites import requisites_record, requisites_text
from storage import Archive, StorageConfig
from storage.reindex import index_warc_file
from storage.requisites import REQUISITES_URN, PageRef, RequisiteEntry, record_requisites
from storage.warc.http import HttpResponse
from storage.warc.reader import iter_records

PAGE = "https://news.example/2026/story"


def _urls(found: list[Requisite]) -> list[str]:
    return [r.url for r in found]


def test_html_requisites_of_every_kind_in_document_order() -> None:
    html = """<html><head>
    <link rel="stylesheet" href="/css/site.css"><link rel="alternate stylesheet" href="/alt.css">
    <link rel="shortcut icon" href="/favicon.ico"><link rel="apple-touch-icon" href="/touch.png">
    <link rel="preload" as="font" href="/f.woff2"><link rel="canonical" href="/canonical">
    <style>@import url("/css/print.css"); body { background: url(bg.png) }</style>
    <script src="https://cdn.example/app.js"></script><script>var url = "not/a/requisite.png";</script>
    </head><body>
    <img src="a.jpg" srcset="a-1x.jpg 1x, a-2x.jpg 2x">
    <img src="data:image/gif;base64,R0lGOD" data-src="lazy.jpg" data-srcset="lazy-480.jpg 480w">
    <img data-lazy-src="lazy2.jpg">
    <picture><source srcset="wide.webp" media="(min-width: 800px)"><img src="narrow.jpg"></picture>
    <video poster="poster.jpg" src="clip.mp4"><source src="clip.webm"><track src="subs.vtt"></video>
    <audio src="sound.mp3"></audio>
    <div style="background-image: url('inline.png')"></div>
    <a href="/next-story">next</a> <img src="a.jpg#again"> <img src="javascript:void(0)">
    </body></html>"""
    found = html_requisites(html, PAGE)
    base = "https://news.example/2026/"
    assert _urls(found) == [
        "https://news.example/css/site.css", "https://news.example/favicon.ico", "https://news.example/touch.png",
        "https://news.example/f.woff2", "https://news.example/css/print.css", base + "bg.png",
        "https://cdn.example/app.js", base + "a.jpg", base + "a-1x.jpg", base + "a-2x.jpg", base + "lazy.jpg",
        base + "lazy-480.jpg", base + "lazy2.jpg", base + "wide.webp", base + "narrow.jpg", base + "clip.mp4",
        base + "poster.jpg", base + "clip.webm", base + "subs.vtt", base + "sound.mp3", base + "inline.png",
    ]
    kinds = {r.url.rsplit("/", 1)[1]: r.kind for r in found}
    assert kinds["site.css"] == kinds["print.css"] == "stylesheet"
    assert (kinds["favicon.ico"], kinds["f.woff2"], kinds["app.js"]) == ("icon", "font", "script")
    assert (kinds["wide.webp"], kinds["poster.jpg"], kinds["clip.webm"]) == ("image", "image", "media")


def test_base_href_is_the_base_of_relative_references() -> None:
    html = '<html><head><base href="https://static.example/assets/"></head><body><img src="x.png"></body></html>'
    assert _urls(html_requisites(html, PAGE)) == ["https://static.example/assets/x.png"]


def test_an_empty_or_broken_document_needs_nothing() -> None:
    assert html_requisites("", PAGE) == []
    assert html_requisites(b"\x00\x01", PAGE) == []


def test_css_requisites_use_the_tokenizer_not_patterns() -> None:
    css = """@charset "utf-8";
    @import "base.css" screen; @import url(print.css) print;
    /* .x { background: url(commented-out.png) } */
    .quote::before { content: "url(in-a-string.png)"; }
    @font-face { font-family: X; src: url("../fonts/x.woff2") format("woff2"), url(../fonts/x.ttf); }
    @media (min-width: 600px) { .hero { background: URL( 'hero.jpg' ) no-repeat; } }
    .a { background-image: image-set(url(a1.png) 1x, url("a2.png") 2x); }
    .b { background: url(data:image/png;base64,iVBOR) }
    """
    found = css_requisites(css, "https://cdn.example/css/site.css")
    assert [(r.url.removeprefix("https://cdn.example/"), r.kind) for r in found] == [
        ("css/base.css", "stylesheet"), ("css/print.css", "stylesheet"), ("fonts/x.woff2", "font"),
        ("fonts/x.ttf", "font"), ("css/hero.jpg", "image"), ("css/a1.png", "image"), ("css/a2.png", "image"),
    ]


def test_style_attribute_and_srcset_parsing() -> None:
    assert _urls(style_attribute_requisites("background: url(x.png), url('y.png')", PAGE)) == [
        "https://news.example/2026/x.png", "https://news.example/2026/y.png"]
    assert srcset_urls("a.jpg 1x,b.jpg 2x , c.jpg") == ["a.jpg", "b.jpg", "c.jpg"]
    assert srcset_urls("https://x.example/i.jpg?w=1,2 480w, small.jpg 100w") == [
        "https://x.example/i.jpg?w=1,2", "small.jpg"]
    assert srcset_urls("") == []


def test_a_request_may_carry_a_lower_body_limit_of_its_own() -> None:
    middleware = DownloadLimitsMiddleware.__new__(DownloadLimitsMiddleware)
    middleware.limits = DownloadLimits(max_body_size=50_000_000)
    assert middleware._body_limit(Request("http://a.example/")) == 50_000_000
    assert middleware._body_limit(Request("http://a.example/", meta={MAX_BODY_SIZE_KEY: 1000})) == 1000
    middleware.limits = DownloadLimits(max_body_size=500)
    assert middleware._body_limit(Request("http://a.example/", meta={MAX_BODY_SIZE_KEY: 1000})) == 500


def _png(i: int) -> HttpResponse:
    return HttpResponse(status=200, headers=[("Content-Type", "image/png"), ("Content-Length", "4")],
                        body=b"PNG" + bytes([i]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_requisites_record_links_pages_and_reindex_restores_them(backend: str, tmp_path: Path,
                                                                  request: pytest.FixtureRequest) -> None:
    env = {} if backend == "sqlite" else {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    config = StorageConfig.from_env(env, home=tmp_path / "a", fsync_interval=0.0)
    with Archive(config) as archive:
        page = archive.record_exchange(PAGE, _request(), _html())
        logo = archive.record_exchange("https://cdn.example/logo.png", _request("/logo.png"), _png(1))
        entries = [RequisiteEntry(url=logo.url, kind="image", capture_id=logo.id, record_id=logo.record_id),
                   RequisiteEntry(url="https://cdn.example/more.png", kind="image",
                                  missing="over ARCHIVER_REQUISITES_MAX (1)")]
        page_ref = PageRef(page.id, page.url, page.record_id)
        record_id = record_requisites(archive.writer, archive.db, page_ref, entries, limit=1)
        listed = archive.catalogue.requisites_of(page.id)
        assert [(r.url, r.capture.id if r.capture else None, r.problem) for r in listed] == [
            (logo.url, logo.id, None), ("https://cdn.example/more.png", None, "over ARCHIVER_REQUISITES_MAX (1)")]
        assert archive.catalogue.pages_needing(logo.id) == [page.id]
    records = [r for path in sorted((tmp_path / "a" / "warcs").glob("*.warc.gz")) for r in iter_records(path)]
    (mine,) = [r for r in records if r.record_id == record_id]
    assert mine.record_type == "metadata" and mine.target_uri == REQUISITES_URN + PAGE
    assert mine.header("WARC-Refers-To") == page.record_id
    body = json.loads(mine.payload)
    assert body["dropped"] == 1 and body["limit"] == 1 and body["page_record_id"] == page.record_id

    # The catalogue rebuilt from the WARC files alone has the same links (a new SQLite file; the
    # PostgreSQL database emptied, as reindex --from-scratch does).
    rebuilt_config = StorageConfig.from_env({}, home=tmp_path / "b", fsync_interval=0.0) if backend == "sqlite" \
        else config
    with Archive(rebuilt_config) as fresh:
        if backend != "sqlite":
            fresh.catalogue.clear_captures()
        for path in sorted((tmp_path / "a" / "warcs").glob("*.warc.gz")):
            result = index_warc_file(fresh.db, path)
            assert result.requisite_links_added == 2
        rebuilt = fresh.catalogue.latest_capture(PAGE)
        assert rebuilt is not None
        links = fresh.catalogue.requisites_of(rebuilt.id)
        assert [(r.url, r.capture.record_id if r.capture else None, r.missing) for r in links] == [
            (logo.url, logo.record_id, None),
            ("https://cdn.example/more.png", None, "over ARCHIVER_REQUISITES_MAX (1)")]
        for path in sorted((tmp_path / "a" / "warcs").glob("*.warc.gz")):  # indexing again adds nothing
            assert index_warc_file(fresh.db, path).requisite_links_added == 0


def _request(path: str = "/2026/story") -> object:
    return http_request(path)


def _html() -> HttpResponse:
    return HttpResponse(status=200, headers=[("Content-Type", "text/html")], body=b"<html><img src=/logo.png></html>")


def test_show_summary_counts_bytes_and_missing_ones(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path, fsync_interval=0.0)
    with Archive(config) as archive:
        page = archive.record_exchange(PAGE, _request(), _html())
        logo = archive.record_exchange("https://cdn.example/logo.png", _request("/logo.png"), _png(2))
        failed = archive.record_failure("https://cdn.example/gone.png", "TimeoutError: took too long")
        record_requisites(archive.writer, archive.db, PageRef(page.id, page.url, page.record_id), [
            RequisiteEntry(url=logo.url, kind="image", capture_id=logo.id, record_id=logo.record_id),
            RequisiteEntry(url=failed.url, kind="image", capture_id=failed.id, missing="TimeoutError: took too long"),
        ])
        listed = archive.catalogue.requisites_of(page.id)
    summary = requisites_record(listed)
    assert (summary["count"], summary["archived"], summary["bytes"]) == (2, 1, 4)
    assert summary["missing"] == [{"url": failed.url, "kind": "image", "reason": "TimeoutError: took too long"}]
    assert summary["items"][0]["capture_id"] == logo.id
    text = requisites_text(listed)
    assert "Requisites: 2 (1 archived, 4 bytes, 1 missing)" in text and failed.url in text
    assert requisites_text([]) == ""


def test_crawl_and_schedules_take_requisites_and_turn_them_into_the_setting() -> None:
    from archiver.crawler.crawl.command import crawl_parser, options_from_values
    from archiver.crawler.crawl.run import crawl_settings
    from archiver.services.scheduling.crawlargs import check_crawl_args

    args = ["--sitemap", "https://news.example/sitemap.xml", "--requisites"]
    assert check_crawl_args(args, "crawl") == args  # a schedule can set it
    with crawl_parser().make_context("archiver crawl", list(args)) as context:
        options = options_from_values(dict(context.params))
    assert options.requisites and options.recorded()["requisites"] is True
    assert crawl_settings(options, {}).getbool("ARCHIVER_REQUISITES_ENABLED") is True
    options.requisites = False
    assert crawl_settings(options, {}).getbool("ARCHIVER_REQUISITES_ENABLED") is False
