"""An archived article's WACZ export replays in pywb with its requisites: images, stylesheets, font.

``archiver archive URL`` of the fixture article (:mod:`support.requisites_site`: a site and a
"CDN" on two ports) fetches its requisites; ``archiver export --format wacz`` of that article is
opened in pywb (its own venv, ``wb-manager add --unpack-wacz``) with the fixture servers stopped,
so every answer comes from the collection. pywb must serve the page and, at the page's
timestamp, 200 with the archived bytes for every image, stylesheet and font the page needs.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

import pytest
from support.cli import run_archiver
from support.pywb_replay import pywb_collection
from support.requisites_site import ONE_REQUISITES, running_requisites_site
from support.tool_venvs import ToolUnavailable

from storage import StorageConfig
from storage.warc.reader import decode_payload, read_record

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with _OPENER.open(url, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def _archived_payloads(home: Path, urls: list[str]) -> dict[str, bytes]:
    """The decoded archived payload of each URL (a revisit's from its original; a redirect's target's)."""
    warc_dir = StorageConfig.from_env({}, home=home).warc_dir
    db = sqlite3.connect(home / "catalogue.sqlite")
    payloads = {}
    for url in urls:
        row = db.execute(
            "SELECT COALESCE(o.warc_file, c.warc_file), COALESCE(o.warc_offset, c.warc_offset), c.status, "
            "c.redirect_location FROM captures c LEFT JOIN captures o ON o.id = c.revisit_of_id "
            "WHERE c.url = ? ORDER BY c.id DESC LIMIT 1", (url,)).fetchone()
        assert row is not None, f"{url} was not archived"
        payloads[url] = decode_payload(read_record(warc_dir / row[0], row[1]))
    return payloads


def test_the_wacz_of_an_article_replays_in_pywb_with_its_requisites(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    with running_requisites_site() as site:
        page = site.url("/articles/one")
        done = run_archiver(home, "archive", "--json", page, timeout=180)
        assert done.returncode == 0, done.stderr
        capture = json.loads(done.stdout.splitlines()[0])
    requisite_urls = [site.url(path) for path in ONE_REQUISITES]
    payloads = _archived_payloads(home, requisite_urls)
    wacz = tmp_path / "one.wacz"
    exported = run_archiver(home, "export", "--format", "wacz", "-o", str(wacz))
    assert exported.returncode == 0, exported.stderr

    stamp = datetime.fromisoformat(capture["fetched_at"].replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")
    try:
        with pywb_collection(tmp_path / "pywb", wacz, name="one") as base:
            framed = _get(f"{base}/one/{stamp}mp_/{page}")
            served = {url: _get(f"{base}/one/{stamp}id_/{url}") for url in requisite_urls}
    except ToolUnavailable as exc:
        pytest.skip(f"pywb could not be installed in its own venv: {exc}")

    status, _, body = framed
    assert status == 200 and b"<title>Every kind of requisite</title>" in body, body[:300]
    # pywb rewrote the page's references to the collection, so a browser asks pywb, not the live site.
    assert f"/one/{stamp}".encode() in body
    failed = {url: answer[0] for url, answer in served.items() if answer[0] != 200}
    assert not failed, failed
    images = [url for url in requisite_urls if url.rsplit(".", 1)[-1] in ("png", "gif", "jpg", "ico")]
    assert len(images) >= 12
    for url in requisite_urls:
        status, content_type, body = served[url]
        assert body == payloads[url], url
        if url in images:
            assert content_type.startswith("image/"), (url, content_type)
