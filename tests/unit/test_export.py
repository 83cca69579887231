"""``archiver export``: JSONL, CSV, Markdown, WARC and WACZ, each read back and checked against the archive."""

from __future__ import annotations

import csv
import gzip
import json
import subprocess
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from catalogue_samples import (
    CHANGING_URL,
    SEED_TITLE,
    SEED_URL,
    config_for,
    run_cli,
    sample_catalogue,
    seed_text,
)
from conftest import tool
from pywb_replay import pywb_collection
from tool_venvs import ToolUnavailable, tool_venv

from storage import Archive
from storage.catalogue import queries
from storage.catalogue.models import Article, Capture
from storage.export import FIELDS, export_warc, from_csv_row
from storage.warc.reader import iter_records, read_raw

WACZ = ["wacz>=0.6,<0.7"]


def _built(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    home = tmp_path_factory.mktemp("export") / "archive"
    with sample_catalogue(home, backend) as ids:
        yield home, ids


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue, on SQLite and on PostgreSQL: the selection and export code runs on both."""
    yield from _built(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def built_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue on SQLite only, for the slow replay and WACZ checks (about bytes, not queries)."""
    yield from _built("sqlite", tmp_path_factory)


def open_archive(home: Path) -> Archive:
    return Archive(config_for(home))


def export(home: Path, out: Path, *args: str) -> str:
    code, _out, err = run_cli(home, "export", *args, "-o", str(out))
    assert code == 0, err
    return err


def assert_matches_catalogue(home: Path, records: list[dict[str, Any]]) -> None:
    """Every field of every record equals the catalogue's column (datetimes as ISO 8601 UTC)."""
    capture_columns = [c.key for c in Capture.__table__.columns]
    article_columns = [c.key for c in Article.__table__.columns if c.key != "capture_id"]
    assert set(FIELDS) == {"capture_id", "article_id"} | (set(capture_columns) | set(article_columns)) - {"id"}
    with open_archive(home) as archive, archive.db.session() as session:
        for record in records:
            capture = session.get(Capture, record["capture_id"])
            article = queries.article_for_capture(session, capture.id)
            assert record["article_id"] == article.id
            for row, names in ((capture, capture_columns), (article, article_columns)):
                for name in names:
                    if name == "id":
                        continue
                    value, exported = getattr(row, name), record[name]
                    if isinstance(value, datetime):
                        exported = datetime.fromisoformat(exported.replace("Z", "+00:00"))
                    assert exported == value, (name, exported, value)


def test_jsonl_round_trips_every_field(built, tmp_path: Path) -> None:
    home, ids = built
    out = tmp_path / "all.jsonl"
    assert "exported 8 article(s) as jsonl" in export(home, out, "--all-versions")
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["capture_id"] for r in records) == sorted(ids.values())
    assert all(list(record) == FIELDS for record in records)
    seed = next(r for r in records if r["capture_id"] == ids["seed"])
    assert seed["text"] == seed_text() and seed["authors"] == ["AFP"]
    assert_matches_catalogue(home, records)


def test_csv_round_trips_every_field(built, tmp_path: Path) -> None:
    home, ids = built
    out = tmp_path / "latest.csv"
    export(home, out, "--format", "csv")
    with open(out, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == FIELDS
        records = [from_csv_row(row) for row in reader]
    # Each page once, as its latest version: the changing page is its third capture.
    assert sorted(r["capture_id"] for r in records) == sorted(
        [ids[name] for name in ("seed", "wine", "csto", "both", "french", "v3")])
    assert_matches_catalogue(home, records)


def test_jsonl_to_stdout_with_filters(built) -> None:
    home, ids = built
    code, out, _err = run_cli(home, "export", "--author", "AFP", "--lang", "en")
    assert code == 0
    assert [json.loads(line)["capture_id"] for line in out.splitlines()] == [ids["csto"], ids["seed"]]


def test_markdown_one_file_per_article_like_the_seed(built, tmp_path: Path) -> None:
    home, ids = built
    out = tmp_path / "md"
    export(home, out, "--format", "markdown")
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 6
    seed_file = out / f"2023-04-16-frustration-with-russia-grows-in-armenia-{ids['seed']}.md"
    assert seed_file.name in files
    blocks = seed_file.read_text(encoding="utf-8").split("\n\n")
    reference = Path(__file__).with_name("fixtures") / "seed_article.md"  # the seed example, as given
    seed_blocks = [b.strip() for b in reference.read_text(encoding="utf-8").split("\n\n") if b.strip()]
    assert blocks[0] == f"# {SEED_TITLE}" == seed_blocks[0]
    assert blocks[1] == "By AFP" and seed_blocks[1] == "By [AFP](#)"
    assert blocks[2] == "April 16, 2023" == seed_blocks[2]
    body = seed_text().split("\n")
    assert blocks[3:3 + len(body)] == body
    assert all(paragraph in seed_blocks for paragraph in body)  # the seed's own paragraphs
    assert blocks[-2:] == ["Original url:", f"<{SEED_URL}>\n"]
    assert seed_blocks[-2:] == ["Original url:", f"<{SEED_URL}>"]


def test_export_usage_errors(built, tmp_path: Path) -> None:
    home, _ids = built
    code, _out, err = run_cli(home, "export", "--format", "warc")
    assert code == 2 and "needs -o PATH" in err
    code, _out, err = run_cli(home, "export", "Armenia OR", "-o", str(tmp_path / "x.jsonl"))
    assert code == 2 and err.startswith("error: bad search query")
    assert not (tmp_path / "x.jsonl").exists()


# ------------------------------------------------------------------------ WARC
def members(path: Path) -> dict[str, tuple[str, bytes]]:
    """Every record of a WARC file by id: its type and its bytes (the whole gzip member)."""
    return {r.record_id: (r.record_type, read_raw(path, r.offset, r.length or 0)) for r in iter_records(path)}


def source_records(home: Path) -> dict[str, tuple[str, bytes]]:
    found: dict[str, tuple[str, bytes]] = {}
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        found.update(members(path))
    return found


def expected_ids(home: Path, capture_ids: list[int]) -> set[str]:
    """What an export of these captures must hold: worked out from the catalogue and the source WARC."""
    with open_archive(home) as archive, archive.db.session() as session:
        captures = list(queries.captures_by_ids(session, capture_ids).values())
        captures += [session.get(Capture, c.revisit_of_id) for c in captures if c.revisit_of_id]
        wanted = set()
        for capture in captures:
            wanted |= {capture.record_id, capture.request_record_id}
            if capture.article is not None:
                wanted.add(capture.article.conversion_record_id)
    for path in (home / "warcs").glob("*.warc.gz"):
        for record in iter_records(path):
            if record.record_type == "warcinfo" or (
                    record.record_type == "metadata" and record.header("WARC-Concurrent-To") in wanted):
                wanted.add(record.record_id)
    return wanted


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


def test_warc_export_of_a_revisit_brings_the_response_it_refers_to(built, tmp_path: Path) -> None:
    home, ids = built
    out = tmp_path / "revisit.warc.gz"
    with open_archive(home) as archive, archive.db.session() as session, open(out, "wb") as handle:
        summary = export_warc(session, archive.config.warc_dir, [ids["v2"]], handle)
        revisit, original = session.get(Capture, ids["v2"]), session.get(Capture, ids["v1"])
        assert revisit.record_type == "revisit" and revisit.revisit_of_id == original.id
    exported = members(out)
    assert summary.captures == 1 and summary.records == len(exported) and not summary.missing
    assert exported[revisit.record_id][0] == "revisit"
    assert exported[original.record_id][0] == "response"
    assert exported[original.request_record_id][0] == "request"
    assert set(exported) == expected_ids(home, [ids["v2"]])
    source = source_records(home)
    assert all(source[record_id] == value for record_id, value in exported.items())


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


# ------------------------------------------------------------------------ WACZ
def test_wacz_passes_wacz_validate_and_indexes_the_pages(built_sqlite, tmp_path: Path) -> None:
    home, ids = built_sqlite
    out = tmp_path / "moscow.wacz"
    export(home, out, "--site", "themoscowtimes.com", "--format", "wacz", "--title", "Moscow Times")
    with zipfile.ZipFile(out) as wacz:
        names = set(wacz.namelist())
        assert {"archive/data.warc.gz", "indexes/index.cdxj", "pages/pages.jsonl", "datapackage.json",
                "datapackage-digest.json"} <= names
        assert wacz.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()]
        index = wacz.read("indexes/index.cdxj").decode().splitlines()
        package = json.loads(wacz.read("datapackage.json"))
        warc = wacz.read("archive/data.warc.gz")
    assert pages[0]["format"] == "json-pages-1.0"
    assert {(p["url"], p["title"]) for p in pages[1:]} == {
        (SEED_URL, SEED_TITLE), ("https://www.themoscowtimes.com/2023/05/10/csto-summit",
                                 "CSTO summit ends without a statement")}
    assert any(line.startswith("com,themoscowtimes)/2023/04/16/frustration-with-russia-grows-in-armenia-a80849 ")
               for line in index)
    assert package["title"] == "Moscow Times" and package["wacz_version"] == "1.1.1"
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


def test_export_errors_are_one_line_without_traceback(built_sqlite, tmp_path: Path) -> None:
    home, _ids = built_sqlite
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    code, _out, err = run_cli(home, "export", "--format", "markdown", "-o", str(a_file))
    assert code == 2 and "is a file" in err and len(err.strip().splitlines()) == 1
    code, _out, err = run_cli(home, "export", "-o", str(a_file / "below" / "x.jsonl"))
    assert code == 1 and err.startswith("error: cannot write") and len(err.strip().splitlines()) == 1
    broken = tmp_path / "broken"
    (broken / "warcs").mkdir(parents=True)
    (broken / "catalogue.sqlite").write_bytes((home / "catalogue.sqlite").read_bytes())  # no WARC files
    out = tmp_path / "x.warc.gz"
    for fmt in ("warc", "wacz"):
        code, _out, err = run_cli(broken, "export", "--format", fmt, "-o", str(out))
        assert code == 1 and err.startswith("error: cannot export: WARC file not found"), err
        assert len(err.strip().splitlines()) == 1
        assert not out.exists() and not list(tmp_path.glob("*.part"))
