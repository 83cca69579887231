"""The browser lane's parts that need no browser: the script-built detector, the routing's request and
header mapping, the lane's settings and the --browser option's fallbacks."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from archiver.cli.browser_option import resolve_browser
from archiver.crawler.browser.chromium import BrowserUnavailable
from archiver.crawler.browser.lane import LaneSettings
from archiver.crawler.browser.routing import BROWSER_KEY, ScrapyRouter, fulfil_headers, is_browser_request
from archiver.extraction.scripted import MAX_SHELL_TEXT, scripted_signs

PROSE = " ".join(["The council met on Tuesday to discuss the budget of the district and its schools."] * 12)


@pytest.mark.parametrize(("html", "signs"), [
    ('<html><body><div id="root"></div><script src="/app.js"></script></body></html>', ("app-root",)),
    ('<html><body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">{}</script></body></html>',
     ("app-root", "framework-data")),
    ("<html><body><main></main><script>window.__NUXT__={}</script></body></html>", ("framework-data",)),
    ("<html><body><noscript>Please enable JavaScript to continue.</noscript></body></html>", ("noscript-warning",)),
    ("<html><body><noscript>Bitte aktivieren Sie JavaScript.</noscript><div data-reactroot></div></body></html>",
     ("app-root", "noscript-warning")),
])
def test_script_built_shells_fire(html: str, signs: tuple[str, ...]) -> None:
    found = scripted_signs(html)
    assert found.signs == signs and found.fires


def test_server_rendered_pages_do_not_fire_even_with_framework_data() -> None:
    html = (f'<html><body><div id="__next"><article><h1>Title</h1><p>{PROSE}</p></article></div>'
            '<script id="__NEXT_DATA__" type="application/json">{"props": {}}</script>'
            "<noscript>Enable JavaScript for comments.</noscript></body></html>")
    found = scripted_signs(html)
    assert "framework-data" in found.signs and found.visible_text > MAX_SHELL_TEXT and not found.fires


def test_plain_pages_and_junk_do_not_fire() -> None:
    assert not scripted_signs(f"<html><body><p>{PROSE}</p></body></html>").fires
    assert not scripted_signs("<html><body><p>Short page.</p></body></html>").fires  # no sign at all
    assert not scripted_signs("").fires and not scripted_signs("\x00\x01").fires


def test_fulfil_headers_drop_transfer_headers_and_keep_cookies() -> None:
    response = HtmlResponse("https://news.example/a", body=b"<p>x</p>", headers={
        "Content-Type": "text/html", "Content-Encoding": "gzip", "Content-Length": "999",
        "Transfer-Encoding": "chunked", "Set-Cookie": ["a=1", "b=2"], "Vary": ["Accept", "Cookie"]})
    headers = {name.lower(): value for name, value in fulfil_headers(response).items()}
    assert headers == {"content-type": "text/html", "set-cookie": "a=1\nb=2", "vary": "Accept, Cookie"}


def test_a_browser_request_becomes_a_marked_scrapy_request() -> None:
    browser_request = SimpleNamespace(
        url="https://cdn.example/api?q=1", method="POST", resource_type="fetch", post_data_buffer=b'{"a":1}',
        headers={"accept": "application/json", "cookie": "sid=1", "accept-encoding": "gzip, br, zstd",
                 "user-agent": "HeadlessChrome", "x-requested-with": "fetch"})
    router = ScrapyRouter(crawler=None, page_id=7, page_url="https://news.example/a")  # type: ignore[arg-type]
    request = router.scrapy_request(browser_request)
    assert request.method == "POST" and request.body == b'{"a":1}' and request.url == browser_request.url
    assert request.headers.get("Accept") == b"application/json" and request.headers.get("X-Requested-With")
    for dropped in ("Cookie", "Accept-Encoding", "User-Agent"):
        assert dropped not in request.headers  # the downloader sets its own (cookie jar, encodings, identity)
    assert request.meta[BROWSER_KEY] == {"page": 7, "url": "https://news.example/a", "kind": "fetch"}
    assert is_browser_request(request) and request.dont_filter


def test_lane_settings() -> None:
    settings = Settings({"ARCHIVER_BROWSER": "Auto", "ARCHIVER_BROWSER_SITES": "spa.example, .other.example",
                         "ARCHIVER_BROWSER_PAGES": "3", "ARCHIVER_BROWSER_PAGE_TIMEOUT": "20"})
    lane = LaneSettings.from_settings(settings)
    assert lane.mode == "auto" and lane.pages == 3 and lane.timeout == 20.0
    assert lane.listed("https://spa.example/x") and lane.listed("https://www.other.example/")
    assert not lane.listed("https://notspa.example/") and not lane.listed("https://example/")


class _Config:
    def __init__(self, values: dict, sources: dict | None = None) -> None:
        self.values = {"ARCHIVER_BROWSER": "never", "ARCHIVER_BROWSER_EXECUTABLE": None, **values}
        self.sources = sources or {}

    def source_of(self, name: str) -> str:
        return self.sources.get(name, "default")

    def error(self, name: str, message: str) -> Exception:
        return ValueError(f"{name}: {message}")


def test_browser_option_falls_back_without_chromium(tmp_path, capsys) -> None:
    missing = {"ARCHIVER_BROWSER_EXECUTABLE": str(tmp_path / "none")}
    with pytest.raises(BrowserUnavailable, match="apt-get install chromium"):
        resolve_browser(None, _Config({**missing, "ARCHIVER_BROWSER": "always"}, {"ARCHIVER_BROWSER": "option"}),
                        default="auto")
    assert resolve_browser(None, _Config(missing), default="auto") == "never"
    assert resolve_browser(None, _Config(missing), default="never") == "never"


def test_browser_option_precedence(tmp_path) -> None:
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    found = {"ARCHIVER_BROWSER_EXECUTABLE": str(fake)}
    assert resolve_browser(None, _Config(found), default="auto") == "auto"  # the command's default
    configured = _Config({**found, "ARCHIVER_BROWSER": "always"}, {"ARCHIVER_BROWSER": "environment variable"})
    assert resolve_browser(None, configured, default="auto") == "always"
    from archiver.crawler.browser.modes import BrowserMode

    assert resolve_browser(BrowserMode.never, configured, default="auto") == "never"
    with pytest.raises(ValueError, match="never, auto or always"):
        resolve_browser(None, _Config({"ARCHIVER_BROWSER": "sometimes"}, {"ARCHIVER_BROWSER": "option"}),
                        default="auto")


def test_crawl_and_schedules_take_the_browser_option() -> None:
    from archiver.crawler.crawl.command import crawl_parser

    context = crawl_parser().make_context("crawl", ["--sitemap", "https://news.example/sitemap.xml",
                                                    "--browser", "auto"])
    assert context.params["browser"] == "auto"
