"""``archiver export``: JSONL, CSV, Markdown and WARC, each read back and checked against the archive; its errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.catalogue_samples import SEED_MD, SEED_TITLE, SEED_URL, seed_text
from support.cli import run_cli
from support.export_samples import built_catalogue, expected_ids, export, members, open_archive, source_records
from support.services import BACKENDS

from storage.catalogue import queries
from storage.catalogue.models import Article, Capture
from storage.export import FIELDS, SCREENSHOT_FIELDS, export_warc, from_csv_row


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue, on SQLite and on PostgreSQL: the selection and export code runs on both."""
    yield from built_catalogue(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def built_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The sample catalogue on SQLite only, for the slow replay and WACZ checks (about bytes, not queries)."""
    yield from built_catalogue("sqlite", tmp_path_factory)


def assert_matches_catalogue(home: Path, records: list[dict[str, Any]]) -> None:
    """Every field of every record equals the catalogue's column (datetimes as ISO 8601 UTC)."""
    capture_columns = [c.key for c in Capture.__table__.columns]
    article_columns = [c.key for c in Article.__table__.columns if c.key != "capture_id"]
    assert set(FIELDS) == ({"capture_id", "article_id"} | (set(capture_columns) | set(article_columns)) - {"id"}
                           | set(SCREENSHOT_FIELDS))
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
    reference = SEED_MD  # the seed example, as given
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
    for fmt, out in (("warc", tmp_path / "x.warc.gz"), ("wacz", tmp_path / "x.wacz")):
        code, _out, err = run_cli(broken, "export", "--format", fmt, "-o", str(out))
        assert code == 1 and err.startswith("error: cannot export: WARC file not found"), err
        assert len(err.strip().splitlines()) == 1
        assert not out.exists() and not list(tmp_path.glob("*.part"))
