"""The browser lane end to end: ``archiver archive`` on a site built in the browser (support.browser_site).

Each run is the installed ``archiver`` in a subprocess whose temporary directory (where Chromium's
profiles go) is the test's own, so the Chromium processes of these runs, and only those, can be
found in /proc (the site's kill endpoint uses the same marker). What the tests read back comes
from the WARC files and the catalogue the runs wrote.
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.browser_site import (
    BODY_WORD,
    OTHER_TITLE,
    OVERLAY_RGB,
    STORY_TITLE,
    browser_processes,
    hits,
    running_browser_site,
)
from support.cli import json_lines, run_archiver
from warcio.archiveiterator import ArchiveIterator

from archiver.core.config import ArchiverConfig
from storage import Archive

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install chromium)")


@dataclass
class Site:
    url: str
    private: str
    marker: Path  # the TMPDIR of the runs: Chromium's profiles are made in it

    def env(self, **more: str) -> dict[str, str]:
        return {"TMPDIR": str(self.marker), **more}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    marker = tmp_path_factory.mktemp("browser-tmp")
    with running_browser_site(marker=str(marker)) as (url, private):
        yield Site(url, private, marker)


def _archive(home: Path, site: Site, *args: str, env: dict[str, str] | None = None):  # noqa: ANN202
    return run_archiver(home, "archive", "--json", *args, env=site.env(**(env or {})), timeout=240)


def _records(home: Path) -> list[tuple[str, str, str | None, bytes]]:
    """(type, target URI, content type, payload) of every record in the home's WARC files."""
    found = []
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                content_type = (record.http_headers.get_header("Content-Type") if record.http_headers
                                else record.rec_headers.get_header("Content-Type"))
                found.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), content_type,
                              record.content_stream().read()))
    return found


def _no_chromium_left(site: Site, timeout: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := browser_processes(str(site.marker))) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _open(home: Path) -> Archive:
    return Archive(ArchiverConfig.load(home=home).storage, recover=False)


@pytest.fixture(scope="module")
def rendered(site: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict]]:
    """One `archive` (auto: the default) of the client-rendered story, the lazy page, the consent page
    and a server-rendered page."""
    home = tmp_path_factory.mktemp("rendered") / "archive"
    urls = [site.url + path for path in ("news/story", "news/lazy", "news/consent", "static/plain")]
    result = _archive(home, site, *urls)
    assert result.returncode == 0, result.stderr
    by_url = {line["url"]: line for line in json_lines(result.stdout)}
    return home, by_url


def test_static_capture_has_no_article(site: Site, tmp_path: Path) -> None:
    result = _archive(tmp_path / "archive", site, "--browser", "never", site.url + "news/story")
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["title"] != STORY_TITLE and line["word_count"] < 20  # the noscript warning at most
    with _open(tmp_path / "archive") as archive:
        assert archive.catalogue.renderings_of(line["id"]) == []


def test_client_rendered_article_is_catalogued_from_the_browser(site: Site, rendered) -> None:
    home, by_url = rendered
    line = by_url[site.url + "news/story"]
    assert line["title"] == STORY_TITLE and line["word_count"] > 80
    assert line["screenshot"]["source"] == "browser"  # archive's result names the lane's screenshot
    with _open(home) as archive:
        capture = archive.catalogue.get_capture(line["id"])
        assert capture.article.field_sources["title"] == "browser"
        assert capture.article.field_sources["text"] == "browser"
        kinds = {r.kind: r for r in archive.catalogue.renderings_of(capture.id)}
        assert set(kinds) == {"dom", "fullPage"} and all(r.source == "browser" for r in kinds.values())
        dom = archive.read_rendering(kinds["dom"]).payload.decode()
        assert STORY_TITLE in dom and BODY_WORD in dom
        assert archive.read_rendering(kinds["fullPage"]).payload.startswith(b"\x89PNG")


def test_warc_holds_html_script_json_dom_and_screenshot(site: Site, rendered) -> None:
    home, _ = rendered
    records = _records(home)
    page = site.url + "news/story"
    responses = {uri for kind, uri, _, _ in records if kind in ("response", "revisit")}
    assert {page, site.url + "static/app.js", site.url + "api/story.json"} <= responses
    resources = {uri: (ctype, body) for kind, uri, ctype, body in records if kind == "resource"}
    assert STORY_TITLE in resources[f"urn:dom:{page}"][1].decode()
    assert resources[f"urn:fullPage:{page}"][0] == "image/png"
    json_body = next(body for kind, uri, _, body in records if kind == "response" and uri.endswith("story.json"))
    raw = json_body.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in json_body[:2000] else json_body
    assert BODY_WORD.encode() in (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)


def test_search_finds_the_body_text(site: Site, rendered) -> None:
    home, _ = rendered
    result = run_archiver(home, "search", BODY_WORD)
    assert result.returncode == 0, result.stderr
    assert site.url + "news/story" in result.stdout


def test_lazy_images_are_archived_after_the_scroll(site: Site, rendered) -> None:
    home, by_url = rendered
    assert by_url[site.url + "news/lazy"]["title"] == STORY_TITLE
    responses = {uri for kind, uri, _, _ in _records(home) if kind in ("response", "revisit")}
    assert site.url + "img/native-lazy.png" in responses
    assert site.url + "img/observed-lazy.png" in responses


def test_consent_overlay_is_dismissed_preferring_reject(site: Site, rendered) -> None:
    from PIL import Image

    home, by_url = rendered
    line = by_url[site.url + "news/consent"]
    assert line["title"] == STORY_TITLE
    counts = hits(site.url)
    assert counts["/api/consent/reject"] >= 1 and counts["/api/consent/accept"] == 0
    with _open(home) as archive:
        kinds = {r.kind: r for r in archive.catalogue.renderings_of(line["id"])}
        dom = archive.read_rendering(kinds["dom"]).payload.decode()
        png = archive.read_rendering(kinds["fullPage"]).payload
    assert 'id="consent-overlay"' not in dom and STORY_TITLE in dom
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=image.width * image.height)}
    assert OVERLAY_RGB not in colours
    assert any(sum(colour) < 200 for colour in colours)  # the article's dark text is on it


def test_a_server_rendered_page_is_left_alone(site: Site, rendered) -> None:
    home, by_url = rendered
    line = by_url[site.url + "static/plain"]
    assert line["word_count"] > 80
    with _open(home) as archive:
        assert archive.catalogue.renderings_of(line["id"]) == []


def test_no_chromium_outlives_the_run(site: Site, rendered) -> None:
    assert _no_chromium_left(site) == []


def test_browser_traffic_to_a_private_address_is_refused(site: Site, tmp_path: Path) -> None:
    """archive-now's guard (as `archiver serve` runs it): only the fixture site's own port is allowed."""
    port = site.url.rstrip("/").rsplit(":", 1)[1]
    result = _archive(tmp_path / "archive", site, "-s", "ARCHIVER_TARGET_GUARD_ENABLED=true",
                      "-s", f"ARCHIVER_ALLOW_PRIVATE_TARGETS=127.0.0.1:{port}", site.url + "news/private")
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["title"] == STORY_TITLE  # rendered: the site itself was allowed
    assert hits(site.private)["/leak"] == 0
    with _open(tmp_path / "archive") as archive:
        refused = [c for c in archive.catalogue.captures_of_page(site.private + "leak") if c.error]
    assert refused and refused[-1].error.startswith("BlockedTarget")


def test_chromium_killed_mid_page_is_an_error_and_the_crawl_goes_on(site: Site, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = _archive(home, site, "-s", "ARCHIVER_BROWSER_PAGES=1", "-s", "ARCHIVER_BROWSER_PAGE_TIMEOUT=30",
                      site.url + "news/kill", site.url + "news/story")
    assert result.returncode == 0, result.stderr
    by_url = {line["url"]: line for line in json_lines(result.stdout)}
    killed, story = by_url[site.url + "news/kill"], by_url[site.url + "news/story"]
    assert hits(site.url)["/api/kill-browser"] >= 1
    assert "browser_error" in killed["flags"] and killed["title"] != STORY_TITLE
    assert story["title"] == STORY_TITLE  # rendered by the browser that replaced the killed one
    with _open(home) as archive:
        [run] = {c.crawl_run_id for c in archive.catalogue.captures_of_page(site.url + "news/kill")}
        assert archive.catalogue.run(run).stats["archiver/browser/errors"] == 1
    assert _no_chromium_left(site) == []


def test_routes_of_one_shell_get_their_own_articles(site: Site, tmp_path: Path) -> None:
    """Two routes of a single-page app share one HTML shell (the second is a revisit of the first's
    payload): each gets the article its own script fetched, never a copy of the other's."""
    home = tmp_path / "archive"
    first = _archive(home, site, site.url + "news/story")  # its article comes from the browser
    assert first.returncode == 0 and json_lines(first.stdout)[0]["title"] == STORY_TITLE, first.stderr
    second = _archive(home, site, site.url + "news/other")
    assert second.returncode == 0, second.stderr
    [other] = json_lines(second.stdout)
    assert other["record_type"] == "revisit" and other["title"] == OTHER_TITLE


def test_a_bot_wall_built_by_script_is_blocked_not_an_article(site: Site, tmp_path: Path) -> None:
    home = tmp_path / "archive"
    result = _archive(home, site, site.url + "news/wall")
    assert result.returncode == 1, result.stderr  # the reader's page was not archived
    [line] = json_lines(result.stdout)
    assert line["blocked"] is True
    with _open(home) as archive:
        capture = archive.catalogue.get_capture(line["id"])
        assert "blocked" in (capture.flags or [])
        assert capture.article is None  # the static extraction's title-only article is gone too
        assert {r.kind for r in archive.catalogue.renderings_of(capture.id)} == {"dom", "fullPage"}
    flags = [payload for kind, uri, _type, payload in _records(home) if (uri or "").startswith("urn:flags:")]
    assert len(flags) == 1 and b"blocked" in flags[0]
    assert run_archiver(home, "reindex", "--from-scratch", env=site.env()).returncode == 0
    with _open(home) as archive:
        [again] = archive.catalogue.captures_of_page(site.url + "news/wall")
        assert "blocked" in (again.flags or []) and again.article is None


def test_always_without_chromium_fails_in_one_line_and_auto_falls_back(site: Site, tmp_path: Path) -> None:
    env = {"ARCHIVER_BROWSER_EXECUTABLE": str(tmp_path / "no-chromium")}
    always = _archive(tmp_path / "a", site, "--browser", "always", site.url + "news/story", env=env)
    assert always.returncode == 2 and always.stdout == ""
    assert len(always.stderr.strip().splitlines()) == 1 and "apt-get install chromium" in always.stderr
    auto = _archive(tmp_path / "b", site, site.url + "news/story", env=env)
    assert auto.returncode == 0
    assert len([line for line in auto.stderr.splitlines() if "Chromium" in line]) == 1
    [line] = json_lines(auto.stdout)
    assert line["title"] != STORY_TITLE
