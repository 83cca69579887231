"""What the archiver writes replays in pywb (its own venv), and the standard indexers list it.

One fixture crawl of the local crawl site, then a ``--refresh`` recrawl (conditional requests:
304 answers, written as ``server-not-modified`` revisits) and ``archiver archive`` of some
articles again (the same bytes: ``identical-payload-digest`` revisits). Each article's first
capture also gets a screenshot and a rendered DOM (renderings, as the browser lane and the replay
screenshot write them). pywb, given every WARC file, must serve at each capture's timestamp the
HTML the capture stands for, byte for byte, never the article's text, JSON records, screenshot
(PNG) or rendered DOM; the WACZ export, unpacked by pywb, must do the same.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import pytest
from support.cli import json_lines, run_archiver, tool
from support.crawl_site import article_title, running_crawl_site
from support.images import png
from support.pywb_replay import pywb_collection
from support.tool_venvs import ToolUnavailable

from storage import Archive, StorageConfig
from storage.renderings import record_rendering
from storage.requisites import PageRef
from storage.timefmt import parse_iso
from storage.warc import iter_records, read_record
from storage.warc.writer import IDENTICAL_PAYLOAD_DIGEST, SERVER_NOT_MODIFIED

ARTICLES = 10
AGAIN = 3  # articles archived a third time, without a conditional request
FAST = ("-s", "AUTOTHROTTLE_START_DELAY=0")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
SCREENSHOT = png(8, 6, (250, 0, 0))
RENDERED_DOM = b"<html><body><h1>Rendered, not the page</h1></body></html>"


class Capture(NamedTuple):
    """A catalogued capture of an article and the HTML payload it stands for (its own, or its original's)."""

    url: str
    fetched_at: datetime
    record_type: str
    status: int
    profile: str | None
    html: bytes


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, list[Capture]]]:
    home = tmp_path_factory.mktemp("replay") / "archive"
    with running_crawl_site("--articles", str(ARTICLES)) as site:
        for extra in ((), ("--refresh",)):
            result = run_archiver(home, "crawl", "--sitemap", site.url + "robots.txt", "--json", *FAST, *extra)
            assert result.returncode == 0 and json_lines(result.stdout)[-1]["event"] == "run", result.stderr
        again = run_archiver(home, "archive", *(site.article_url(i) for i in range(AGAIN)), "--json")
        assert again.returncode == 0, again.stderr
    _add_renderings(home)
    yield home, _article_captures(home)


def _add_renderings(home: Path) -> None:
    """A screenshot (from replay) and a rendered DOM (from the browser lane) of each article's first capture."""
    ids = sqlite3.connect(home / "catalogue.sqlite").execute(
        "SELECT id FROM captures WHERE url LIKE '%story-number%' AND record_type = 'response'").fetchall()
    with Archive(StorageConfig.from_env({}, home=home)) as archive:
        for (capture_id,) in ids:
            capture = archive.catalogue.get_capture(capture_id)
            page = PageRef(capture.id, capture.url, capture.record_id)
            record_rendering(archive.writer, archive.db, page, "fullPage", SCREENSHOT, source="replay")
            record_rendering(archive.writer, archive.db, page, "dom", RENDERED_DOM, source="browser")


def _article_captures(home: Path) -> list[Capture]:
    warc_dir = StorageConfig.from_env({}, home=home).warc_dir
    rows = sqlite3.connect(home / "catalogue.sqlite").execute(
        "SELECT c.url, c.fetched_at, c.record_type, c.status, c.warc_file, c.warc_offset, "
        "o.warc_file, o.warc_offset FROM captures c LEFT JOIN captures o ON o.id = c.revisit_of_id "
        "WHERE c.url LIKE '%story-number%' AND c.warc_file IS NOT NULL ORDER BY c.id").fetchall()
    captures = []
    for url, fetched_at, record_type, status, warc_file, offset, original_file, original_offset in rows:
        record = read_record(warc_dir / warc_file, offset)
        original = record if record_type == "response" else read_record(warc_dir / original_file, original_offset)
        captures.append(Capture(url, parse_iso(fetched_at), record_type, status, record.header("WARC-Profile"),
                                original.payload))
    return captures


def _fetch(url: str, *, gzip_ok: bool) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with _OPENER.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _replayed(base: str, collection: str, capture: Capture) -> tuple[int, bytes]:
    """What pywb serves raw (``id_``) for the capture's URL at its timestamp, gzip accepted (bytes as stored)."""
    return _fetch(f"{base}/{collection}/{capture.fetched_at:%Y%m%d%H%M%S}id_/{capture.url}", gzip_ok=True)


def test_the_fixture_has_responses_and_both_kinds_of_revisit(crawled) -> None:
    _home, captures = crawled
    kinds = [(c.record_type, c.status, c.profile) for c in captures]
    assert kinds.count(("response", 200, None)) == ARTICLES
    assert kinds.count(("revisit", 304, SERVER_NOT_MODIFIED)) == ARTICLES
    assert kinds.count(("revisit", 200, IDENTICAL_PAYLOAD_DIGEST)) == AGAIN
    assert all(c.html[:2] == b"\x1f\x8b" for c in captures)  # stored as received: gzip
    warcs = sorted(StorageConfig.from_env({}, home=_home).warc_dir.glob("*.warc.gz"))
    renderings = [r for path in warcs for r in iter_records(path) if r.record_type == "resource"]
    assert sorted(r.target_uri.split(":", 2)[1] for r in renderings) == ["dom"] * ARTICLES + ["fullPage"] * ARTICLES
    assert {r.payload for r in renderings} == {SCREENSHOT, RENDERED_DOM}


def test_pywb_replays_the_html_of_every_capture_at_its_timestamp(crawled, tmp_path: Path) -> None:
    """Responses and identical-payload revisits: the HTML at their own timestamps (never the text or JSON
    records). 304 revisits: pywb 2.10 replays any 3xx revisit as it is (an empty 304, see README), so what
    is proven for them is that pywb's own index links each to its original by the payload digest."""
    home, captures = crawled
    warcs = sorted(StorageConfig.from_env({}, home=home).warc_dir.glob("*.warc.gz"))
    replayable = [c for c in captures if c.status == 200]
    try:
        with pywb_collection(tmp_path / "pywb", *warcs, name="crawl") as base:
            served = [_replayed(base, "crawl", capture) for capture in replayable]
            decoded = _fetch(f"{base}/crawl/{captures[0].fetched_at:%Y%m%d%H%M%S}id_/{captures[0].url}",
                             gzip_ok=False)
            indexed = {c.url: _pywb_index(base, "crawl", c.url) for c in captures}
    except ToolUnavailable as exc:
        pytest.skip(f"pywb could not be installed in its own venv: {exc}")
    for capture, (status, body) in zip(replayable, served, strict=True):
        assert (status, body) == (200, capture.html), (capture.record_type, capture.profile, capture.url)
    number = int(captures[0].url.split("story-number-", 1)[1].split("-", 1)[0])  # the crawl's order varies
    assert decoded[0] == 200 and f"<title>{article_title(number)} |".encode() in decoded[1]  # decoded for this client
    for url, lines in indexed.items():
        [original] = [line for line in lines if line["mime"] == "text/html"]
        revisits = [line for line in lines if line["mime"] == "warc/revisit"]
        assert len(revisits) == (2 if url in {c.url for c in captures[-AGAIN:]} else 1), lines
        assert all(line["digest"] == original["digest"] for line in revisits), lines


def _pywb_index(base: str, collection: str, url: str) -> list[dict]:
    """pywb's own index lines (its CDX server API) for ``url``."""
    status, body = _fetch(f"{base}/{collection}/cdx?url={url}&output=json", gzip_ok=False)
    assert status == 200, body
    return [json.loads(line) for line in body.decode().splitlines()]


def test_the_wacz_export_opens_in_pywb_and_replays_its_articles(crawled, tmp_path: Path) -> None:
    home, captures = crawled
    out = tmp_path / "crawl.wacz"
    result = run_archiver(home, "export", "--format", "wacz", "--output", str(out), "--all-versions")
    assert result.returncode == 0, result.stderr
    try:
        with pywb_collection(tmp_path / "pywb", out, name="wacz") as base:
            served = [_replayed(base, "wacz", capture) for capture in captures]
    except ToolUnavailable as exc:
        pytest.skip(f"pywb could not be installed in its own venv: {exc}")
    for capture, (status, body) in zip(captures, served, strict=True):
        assert (status, body) == (200, capture.html), (capture.record_type, capture.status, capture.url)


def test_warcio_and_cdxj_indexer_list_every_record_and_index_no_text_under_the_page(crawled) -> None:
    home, captures = crawled
    warcs = sorted(StorageConfig.from_env({}, home=home).warc_dir.glob("*.warc.gz"))
    check = subprocess.run([tool("warcio"), "check", "-v", *map(str, warcs)], capture_output=True, text=True,
                           timeout=120)
    assert check.returncode == 0 and "fail" not in check.stdout, check.stdout + check.stderr
    records = [r for path in warcs for r in iter_records(path)]
    listed = subprocess.run([tool("warcio"), "index", "-f", "warc-type,warc-target-uri", *map(str, warcs)],
                            capture_output=True, text=True, check=True, timeout=120).stdout.splitlines()
    assert [(json.loads(line)["warc-type"], json.loads(line).get("warc-target-uri", "")) for line in listed] == [
        (r.record_type, r.target_uri) for r in records]
    conversions = [r.target_uri for r in records if r.record_type == "conversion"]
    assert len(conversions) == ARTICLES and all(uri.startswith("urn:text:http://") for uri in conversions)
    cdxj = subprocess.run([tool("cdxj-indexer"), "--records", "all", *map(str, warcs)], capture_output=True,
                          text=True, check=True, timeout=120).stdout.splitlines()
    by_url: dict[str, set[str]] = {}
    for line in cdxj:
        fields = json.loads(line.split(" ", 2)[2])
        by_url.setdefault(fields.get("url", ""), set()).add(fields.get("mime", "-"))
    assert {c.url for c in captures} <= set(by_url)
    for capture in captures:  # under the page's own URL: the HTML, its revisits and its request, nothing else
        assert by_url[capture.url] <= {"text/html", "warc/revisit", "-"}, (capture.url, by_url[capture.url])
    assert {"text/plain", "application/json", "image/png"} <= {
        m for url, mimes in by_url.items() if url.startswith("urn:") for m in mimes}
