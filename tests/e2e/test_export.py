"""``archiver export`` read back by outside tools in subprocesses: warcio, pywb replay, py-wacz's validator."""

from __future__ import annotations

import gzip
import json
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.catalogue_samples import CHANGING_URL, SEED_TITLE, SEED_URL
from support.cli import tool
from support.export_samples import built_catalogue, expected_ids, export, members, open_archive, source_records
from support.pywb_replay import pywb_collection
from support.services import BACKENDS
from support.tool_venvs import ToolUnavailable, tool_venv

from storage.catalogue import queries

WACZ = ["wacz>=0.6,<0.7"]


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue, on SQLite and on PostgreSQL: the selection and export code runs on both."""
    yield from built_catalogue(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def built_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue on SQLite only, for the slow replay and WACZ checks (about bytes, not queries)."""
    yield from built_catalogue("sqlite", tmp_path_factory)


def test_warc_export_copies_every_selected_record_byte_for_byte(built, tmp_path: Path) -> None:
    home, ids = built
    out = tmp_path / "page.warc.gz"
    export(home, out, "--site", "news.example.org", "--all-versions", "--format", "warc")
    check = subprocess.run([tool("warcio"), "check", "-v", str(out)], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "fail" not in check.stdout
    exported, source = members(out), source_records(home)
    selected = [ids["wine"], ids["v1"], ids["v2"], ids["v3"]]
    assert set(exported) == expected_ids(home, selected)
    assert {kind for kind, _data in exported.values()} == {"warcinfo", "request", "response", "revisit",
                                                           "conversion", "metadata"}
    for record_id, (kind, data) in exported.items():
        assert source[record_id] == (kind, data), record_id


def test_pywb_replays_the_seed_article_from_the_exported_warc(built_sqlite, tmp_path: Path) -> None:
    home, ids = built_sqlite
    out = tmp_path / "seed.warc.gz"
    export(home, out, "Armenia CSTO", "--limit", "1", "--format", "warc")
    with open_archive(home) as archive, archive.db.session() as session:
        capture = queries.get_capture(session, ids["seed"])
        payload = archive.read(capture).payload
    assert payload[:2] == b"\x1f\x8b"  # stored as received: gzip
    try:
        with pywb_collection(tmp_path / "pywb", out) as base:
            url = f"{base}/export/{capture.fetched_at:%Y%m%d%H%M%S}id_/{SEED_URL}"
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"}),
                                        timeout=60) as response:
                assert response.status == 200
                raw = response.read()
            with urllib.request.urlopen(url, timeout=60) as response:
                decoded = response.read()
    except ToolUnavailable as exc:
        pytest.skip(f"pywb could not be installed in its own venv: {exc}")
    assert raw == payload
    assert decoded == gzip.decompress(payload)
    assert f"<title>{SEED_TITLE}</title>".encode() in decoded


def test_wacz_passes_wacz_validate_and_indexes_the_pages(built_sqlite, tmp_path: Path) -> None:
    home, ids = built_sqlite
    out = tmp_path / "moscow.wacz"
    export(home, out, "--site", "themoscowtimes.com", "--format", "wacz", "--title", "Moscow Times")
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {"archive/data.warc.gz", "indexes/index.cdx.gz", "indexes/index.idx", "pages/pages.jsonl",
                "datapackage.json", "datapackage-digest.json"} <= names
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        assert wacz.getinfo("indexes/index.cdx.gz").compress_type == zipfile.ZIP_STORED
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()]
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
        blocks = wacz.read("indexes/index.idx").decode().splitlines()
        package = json.loads(wacz.read("datapackage.json"))
        warc = wacz.read("archive/data.warc.gz")
    assert pages[0]["format"] == "json-pages-1.0"
    assert {(p["url"], p["title"]) for p in pages[1:]} == {
        (SEED_URL, SEED_TITLE), ("https://www.themoscowtimes.com/2023/05/10/csto-summit",
                                 "CSTO summit ends without a statement")}
    assert any(line.startswith("com,themoscowtimes)/2023/04/16/frustration-with-russia-grows-in-armenia-a80849 ")
               for line in index)
    # The block index ReplayWeb.page loads: a cdxj-gzip-1.0 header, then each block's first key and place.
    assert blocks[0].startswith("!meta 0 ") and json.loads(blocks[0].split(" ", 2)[2]) == {
        "format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}
    key, place = blocks[1].split(" {", 1)
    place = json.loads("{" + place)
    assert index[0].startswith(key + " ") and place["offset"] == 0 and place["digest"].startswith("sha256:")
    with zipfile.ZipFile(out) as wacz:
        block = wacz.read("indexes/index.cdx.gz")[place["offset"]:place["offset"] + place["length"]]
    assert gzip.decompress(block).decode().splitlines() == index  # one block: fewer than 300 lines
    assert package["title"] == "Moscow Times" and package["wacz_version"] == "1.1.1"
    assert {r["path"] for r in package["resources"]} == names - {"datapackage.json", "datapackage-digest.json"}
    (tmp_path / "inner.warc.gz").write_bytes(warc)
    assert set(members(tmp_path / "inner.warc.gz")) == expected_ids(home, [ids["seed"], ids["csto"]])
    try:
        bindir = tool_venv("wacz", WACZ)
    except ToolUnavailable as exc:
        pytest.skip(f"py-wacz could not be installed in its own venv: {exc}")
    result = subprocess.run([str(bindir / "wacz"), "validate", "-f", str(out)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is valid" in result.stdout


def test_wacz_validate_rejects_a_tampered_file(built_sqlite, tmp_path: Path) -> None:
    """The validation above means something: a WACZ whose page list changed after packaging fails it."""
    home, _ids = built_sqlite
    out = tmp_path / "all.wacz"
    export(home, out, "--format", "wacz")
    tampered = tmp_path / "tampered.wacz"
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(tampered, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "pages/pages.jsonl":
                data += json.dumps({"id": "x", "url": CHANGING_URL, "ts": "2026-11-08T12:00:00Z"}).encode() + b"\n"
            target.writestr(item, data)
    try:
        bindir = tool_venv("wacz", WACZ)
    except ToolUnavailable as exc:
        pytest.skip(f"py-wacz could not be installed in its own venv: {exc}")
    result = subprocess.run([str(bindir / "wacz"), "validate", "-f", str(tampered)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0, result.stdout
