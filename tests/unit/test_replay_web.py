"""Replay routes in process (httpx.ASGITransport) on captures made through :class:`storage.Archive`."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import httpx
import pytest
from support.replay_samples import day
from support.web import asgi_client

from archiver.web import WebConfig
from archiver.web.replay.policy import is_frame_page
from storage import Archive, StorageConfig
from storage.warc import HttpRequest, HttpResponse

SITE = "http://paper.example"
STAMP = "20261101120000"
PAGE_HTML = ('<!DOCTYPE html><html><head><meta charset="windows-1250"><link rel="stylesheet" href="/s/site.css">'
             '</head><body><h1>Zprávy ŠČŘ</h1><img src="img/a b.png?v=1"></body></html>')
CSS = '@import "print.css"; body { background: url(../img/bg.png) } @font-face { src: url(/f/face.woff2) }'


def _store(archive: Archive, url: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    request = HttpRequest("GET", url.split(SITE, 1)[1], [("Host", "paper.example")])
    archive.record_exchange(url, request, HttpResponse(status, headers, body), fetched_at=day(1))


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> WebConfig:
    home: Path = tmp_path_factory.mktemp("replay-web") / "archive"
    storage = StorageConfig.from_env({}, home=home, fsync_interval=0.0)
    with Archive(storage) as archive:
        _store(archive, f"{SITE}/news/story", 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
               gzip.compress(PAGE_HTML.encode("windows-1250"), mtime=0))
        _store(archive, f"{SITE}/s/site.css", 200, [("Content-Type", "text/css")], CSS.encode())
        _store(archive, f"{SITE}/news/img/a%20b.png?v=1", 200, [("Content-Type", "image/png")], b"\x89PNG fake")
        _store(archive, f"{SITE}/f/face.woff2", 200, [("Content-Type", "font/woff2")], b"wOF2 fake")
        _store(archive, f"{SITE}/missing.png", 404, [("Content-Type", "text/html")], b"<p>not here</p>")
    return WebConfig(storage=storage)


def get(web: WebConfig, path: str, **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with asgi_client(web) as client:
            return await client.get(path, headers=headers)
    return asyncio.run(go())


def test_html_is_decoded_rewritten_and_served_as_utf8(web: WebConfig) -> None:
    response = get(web, f"/replay/{STAMP}mp_/{SITE}/news/story")
    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert "Zprávy ŠČŘ" in response.text and '<meta charset="utf-8">' in response.text
    assert f'href="/replay/{STAMP}mp_/{SITE}/s/site.css"' in response.text
    assert f'src="/replay/{STAMP}mp_/{SITE}/news/img/a%20b.png?v=1"' in response.text
    raw = get(web, f"/replay/{STAMP}id_/{SITE}/news/story")
    assert raw.content == PAGE_HTML.encode("windows-1250")  # id_: the archived bytes, content-decoded only


def test_css_references_resolve_against_the_stylesheet(web: WebConfig) -> None:
    response = get(web, f"/replay/{STAMP}mp_/{SITE}/s/site.css")
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.text == (f'@import "/replay/{STAMP}mp_/{SITE}/s/print.css"; '
                             f"body {{ background: url(/replay/{STAMP}mp_/{SITE}/img/bg.png) }} "
                             f"@font-face {{ src: url(/replay/{STAMP}mp_/{SITE}/f/face.woff2) }}")


def test_escaped_urls_and_query_strings_find_their_capture(web: WebConfig) -> None:
    response = get(web, f"/replay/{STAMP}mp_/{SITE}/news/img/a%20b.png?v=1")
    assert response.status_code == 200 and response.content == b"\x89PNG fake"
    assert response.headers["x-archived-url"] == f"{SITE}/news/img/a%20b.png?v=1"
    assert "access-control-allow-origin" not in response.headers


def test_only_fonts_may_be_read_by_the_sandboxed_page(web: WebConfig) -> None:
    font = get(web, f"/replay/{STAMP}mp_/{SITE}/f/face.woff2", **{"Sec-Fetch-Dest": "font"})
    assert font.status_code == 200 and font.headers["access-control-allow-origin"] == "*"


def test_an_archived_error_keeps_its_status_and_a_gap_is_a_404(web: WebConfig) -> None:
    archived_404 = get(web, f"/replay/{STAMP}mp_/{SITE}/missing.png")
    assert archived_404.status_code == 404 and archived_404.headers["x-archived-status"] == "404"
    gap = get(web, f"/replay/{STAMP}mp_/{SITE}/never.png")
    assert gap.status_code == 404 and "x-archived-status" not in gap.headers


def test_the_policy_names_the_app_and_ignores_a_forged_host(web: WebConfig) -> None:
    response = get(web, f"/replay/{STAMP}mp_/{SITE}/news/story")
    assert "img-src http://testserver/replay/ data:" in response.headers["content-security-policy"]
    forged = get(web, f"/replay/{STAMP}mp_/{SITE}/news/story", Host="evil.example; script-src *")
    policy = forged.headers["content-security-policy"]
    assert "script-src" not in policy and "img-src http://invalid.invalid/replay/ data:" in policy


@pytest.mark.parametrize(("path", "frame"), [
    (f"/replay/{STAMP}/{SITE}/news/story", True), (f"/replay/2026/{SITE}/", True),
    (f"/replay/{STAMP}mp_/{SITE}/news/story", False), (f"/replay/{STAMP}id_/{SITE}/", False),
    ("/replay/12", False), ("/replay/abc/http://x/", False),
])
def test_frame_pages_are_told_apart_from_archived_resources(path: str, frame: bool) -> None:
    assert is_frame_page(path) is frame
