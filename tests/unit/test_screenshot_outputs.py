"""What users see of renderings written with record_rendering: show, get, the API, the article page."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx
import pytest
from support.cli import run_cli
from support.images import png
from support.warc_samples import request as http_request
from support.web import asgi_client

from archiver.services.screenshots import BrowserUnavailable, needs_screenshot, take_screenshots
from archiver.web import WebConfig, create_app
from archiver.web.jobs import ArchiveResult, JobRunner
from storage import Archive, StorageConfig
from storage.renderings import record_rendering
from storage.requisites import PageRef
from storage.warc.http import HttpResponse

PAGE = "https://news.example/2026/story"
REPLAY_PNG = png(4, 3, (1, 2, 3))
BROWSER_PNG = png(5, 4, (200, 0, 0))
DOM = b"<html><body><h1>Built by scripts</h1></body></html>"


def _page(archive: Archive, url: str, content_type: str = "text/html", body: bytes = b"<html><p>x</p></html>"):
    return archive.record_exchange(url, http_request("/" + url.split("/", 3)[3]), HttpResponse(
        status=200, headers=[("Content-Type", content_type)], body=body))


@pytest.fixture
def made(tmp_path: Path) -> dict:
    """An archive: a page with a replay and a browser screenshot and a DOM, a bare page, a stylesheet."""
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        page = _page(archive, PAGE)
        ref = PageRef(page.id, page.url, page.record_id)
        replay = record_rendering(archive.writer, archive.db, ref, "fullPage", REPLAY_PNG, source="replay")
        browser = record_rendering(archive.writer, archive.db, ref, "fullPage", BROWSER_PNG, source="browser")
        record_rendering(archive.writer, archive.db, ref, "dom", DOM, source="browser")
        bare = _page(archive, "https://news.example/2026/bare")
        css = _page(archive, "https://news.example/site.css", "text/css", b"p{}")
        assert not needs_screenshot(archive, archive.catalogue.get_capture(page.id))  # the lane made one
        assert needs_screenshot(archive, archive.catalogue.get_capture(bare.id))
        assert not needs_screenshot(archive, archive.catalogue.get_capture(css.id))
    return {"config": config, "home": config.home, "page": page.id, "bare": bare.id, "replay": replay,
            "browser": browser}


def test_show_lists_renderings_in_text_and_json(made: dict) -> None:
    code, out, err = run_cli(made["home"], "show", str(made["page"]))
    assert code == 0, err
    block = out.split("Renderings:", 1)[1]
    assert "fullPage  replay" in block and "fullPage  browser" in block and "dom       browser" in block
    assert f"{len(REPLAY_PNG)} bytes  {made['replay'].record_id}" in block
    code, out, _ = run_cli(made["home"], "show", str(made["page"]), "--json")
    listed = json.loads(out)["renderings"]
    assert sorted((r["kind"], r["source"], r["bytes"]) for r in listed) == sorted([
        ("fullPage", "replay", len(REPLAY_PNG)), ("fullPage", "browser", len(BROWSER_PNG)),
        ("dom", "browser", len(DOM))])
    assert {r["record_id"] for r in listed} >= {made["replay"].record_id, made["browser"].record_id}
    code, out, _ = run_cli(made["home"], "show", str(made["bare"]))
    assert code == 0 and "Renderings:" not in out
    assert json.loads(run_cli(made["home"], "show", str(made["bare"]), "--json").stdout)["renderings"] == []


def test_get_writes_the_screenshot_and_the_dom(made: dict, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    code, _, err = run_cli(made["home"], "get", str(made["page"]), "--screenshot", "-o", str(shot))
    assert code == 0, err
    assert shot.read_bytes() == BROWSER_PNG  # the browser lane's screenshot before replay's
    code, out, _ = run_cli(made["home"], "get", str(made["page"]), "--dom")
    assert code == 0 and out.encode() == DOM
    code, out, err = run_cli(made["home"], "get", str(made["bare"]), "--screenshot", "-o", str(tmp_path / "no.png"))
    assert code == 1 and err.strip() == f"error: capture {made['bare']} has no screenshot"
    assert not (tmp_path / "no.png").exists()
    code, _, err = run_cli(made["home"], "get", str(made["page"]), "--screenshot", "--dom")
    assert code == 2 and "choose one" in err


def _get(config: StorageConfig, path: str) -> httpx.Response:
    async def go() -> httpx.Response:
        async with asgi_client(WebConfig(storage=config)) as client:
            return await client.get(path)
    return asyncio.run(go())


def test_api_and_article_page_show_the_screenshot(made: dict) -> None:
    config, page, bare = made["config"], made["page"], made["bare"]
    record = _get(config, f"/api/captures/{page}").json()
    assert record["screenshot_url"] == f"/api/captures/{page}/screenshot"
    assert {(r["kind"], r["source"]) for r in record["renderings"]} == {
        ("fullPage", "replay"), ("fullPage", "browser"), ("dom", "browser")}
    image = _get(config, record["screenshot_url"])
    assert image.status_code == 200 and image.content == BROWSER_PNG
    assert image.headers["content-type"] == "image/png" and image.headers["x-content-type-options"] == "nosniff"
    assert _get(config, f"/api/captures/{bare}").json()["screenshot_url"] is None
    assert _get(config, f"/api/captures/{bare}/screenshot").status_code == 404
    html = _get(config, f"/captures/{page}")
    assert re.search(f'<img src="[^"]*/api/captures/{page}/screenshot"', html.text)
    assert "img-src 'self'" in html.headers["content-security-policy"]  # the app's own policy lets it load
    assert "<img" not in _get(config, f"/captures/{bare}").text


def test_no_chromium_raises_before_anything_is_written(made: dict) -> None:
    with Archive(made["config"]) as archive:
        bare = archive.catalogue.get_capture(made["bare"])
        with pytest.raises(BrowserUnavailable):
            take_screenshots(archive, [bare], executable="/nonexistent/chromium")
        assert archive.catalogue.renderings_of(made["bare"]) == []
        page = archive.catalogue.get_capture(made["page"])  # nothing to do: no browser needed at all
        assert take_screenshots(archive, [page], executable="/nonexistent/chromium").skipped == [page]


def test_api_archive_passes_the_screenshot_choice_to_the_job(made: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = JobRunner(WebConfig(storage=made["config"]))
    assert "--no-screenshot" not in runner._command(["https://news.example/a"])
    assert "--no-screenshot" in runner._command(["https://news.example/a"], screenshot=False)
    asked = []

    async def archive(self: JobRunner, urls: list[str], *, browser: str = "auto",
                      screenshot: bool = True) -> ArchiveResult:
        asked.append(screenshot)
        return ArchiveResult([])

    monkeypatch.setattr(JobRunner, "archive", archive)

    async def post(body: dict) -> int:
        app = create_app(WebConfig(storage=made["config"], api_token="t0ken"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            answer = await client.post("/api/archive", json=body, headers={"Authorization": "Bearer t0ken"})
            return answer.status_code

    assert asyncio.run(post({"urls": ["https://news.example/a"]})) == 200
    assert asyncio.run(post({"urls": ["https://news.example/a"], "screenshot": False})) == 200
    assert asked == [True, False]


def test_a_browser_that_cannot_be_driven_is_the_batch_error_not_a_crash(made: dict, tmp_path: Path) -> None:
    """A "Chromium" that announces a DevTools port nobody listens on: the batch says so, nothing is kept."""
    fake = tmp_path / "fake-chromium"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do case "$a" in --user-data-dir=*) d="${a#*=}";; esac; done\n'
                    'printf "9\\n/devtools/browser/x\\n" > "$d/DevToolsActivePort"\nexec sleep 60\n')
    fake.chmod(0o755)
    with Archive(made["config"]) as archive:
        bare = archive.catalogue.get_capture(made["bare"])
        batch = take_screenshots(archive, [bare], executable=str(fake))
        assert batch.kept == {} and batch.error and batch.error.startswith("the screenshot browser failed: ")
        assert archive.catalogue.renderings_of(made["bare"]) == []
