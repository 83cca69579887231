"""Renderings in exports and in verify: written with record_rendering, read back from what each produced."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from support.catalogue_samples import add_article
from support.cli import run_cli
from support.images import png

from storage import Archive, StorageConfig
from storage.catalogue.models import Rendering
from storage.export import from_csv_row
from storage.renderings import record_rendering
from storage.requisites import PageRef
from storage.warc.reader import iter_records

SHOT = png(6, 4, (9, 99, 199))
DOM = b"<html><body><h1>Rendered</h1></body></html>"


@pytest.fixture
def made(tmp_path: Path) -> dict:
    """Two articles; the first has a screenshot (from replay) and a rendered DOM (from the browser lane)."""
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        shot_page = add_article(archive, "https://news.example/a/shot", title="With a screenshot",
                                text="Words of the first story, enough of them.")
        plain = add_article(archive, "https://news.example/a/plain", title="Without one",
                            text="Words of the second story, enough of them.")
        ref = PageRef(shot_page.id, shot_page.url, shot_page.record_id)
        shot = record_rendering(archive.writer, archive.db, ref, "fullPage", SHOT, source="replay")
        dom = record_rendering(archive.writer, archive.db, ref, "dom", DOM, source="browser")
    return {"home": config.home, "config": config, "shot_page": shot_page.id, "plain": plain.id, "shot": shot,
            "dom": dom}


def test_warc_and_wacz_exports_carry_the_renderings_with_their_page(made: dict, tmp_path: Path) -> None:
    out = tmp_path / "all.warc.gz"
    code, _, err = run_cli(made["home"], "export", "--format", "warc", "-o", str(out))
    assert code == 0, err
    records = {r.record_id: r for r in iter_records(out)}
    for rendering, payload in ((made["shot"], SHOT), (made["dom"], DOM)):
        record = records[rendering.record_id]
        assert record.record_type == "resource" and record.payload == payload
        assert record.target_uri == f"urn:{rendering.kind}:https://news.example/a/shot"
    wacz = tmp_path / "all.wacz"
    code, _, err = run_cli(made["home"], "export", "--format", "wacz", "-o", str(wacz))
    assert code == 0, err
    with zipfile.ZipFile(wacz) as zipped:
        (tmp_path / "data.warc.gz").write_bytes(zipped.read("archive/data.warc.gz"))
        pages = [json.loads(line) for line in zipped.read("pages/pages.jsonl").decode().splitlines()[1:]]
    inside = {r.record_id for r in iter_records(tmp_path / "data.warc.gz")}
    assert {made["shot"].record_id, made["dom"].record_id} <= inside
    assert sorted(p["url"] for p in pages) == ["https://news.example/a/plain", "https://news.example/a/shot"]


def test_json_and_csv_exports_name_the_screenshot(made: dict) -> None:
    code, out, err = run_cli(made["home"], "export", "--format", "jsonl")
    assert code == 0, err
    by_id = {r["capture_id"]: r for r in map(json.loads, out.splitlines())}
    shot = made["shot"]
    assert by_id[made["shot_page"]]["screenshot_record_id"] == shot.record_id
    assert (by_id[made["shot_page"]]["screenshot_warc_file"], by_id[made["shot_page"]]["screenshot_warc_offset"]) \
        == (shot.warc_file, shot.warc_offset)
    assert by_id[made["plain"]]["screenshot_record_id"] is None
    code, out, err = run_cli(made["home"], "export", "--format", "csv")
    assert code == 0, err
    rows = {r["capture_id"]: r for r in map(from_csv_row, csv.DictReader(io.StringIO(out)))}
    assert rows[made["shot_page"]]["screenshot_record_id"] == shot.record_id
    assert rows[made["plain"]]["screenshot_record_id"] is None


def test_verify_checks_that_rendering_rows_point_at_their_records(made: dict) -> None:
    code, out, err = run_cli(made["home"], "verify")
    assert code == 0, out + err
    with Archive(made["config"]) as archive, archive.db.session() as session:
        row = session.get(Rendering, made["shot"].id)
        row.warc_offset, row.warc_length = made["dom"].warc_offset, made["dom"].warc_length  # the DOM's record
    code, out, _ = run_cli(made["home"], "verify", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    (problem,) = report["problems"]
    assert problem["capture_id"] == made["shot_page"] and problem["record_id"] == made["shot"].record_id
    assert f"fullPage rendering {made['shot'].id}: record id is {made['dom'].record_id}" in problem["message"]


def test_verify_reports_a_rendering_record_without_its_row(made: dict) -> None:
    with Archive(made["config"]) as archive, archive.db.session() as session:
        session.delete(session.get(Rendering, made["dom"].id))
    code, out, _ = run_cli(made["home"], "verify", "--json")
    (problem,) = json.loads(out)["problems"]
    assert code == 1 and problem["record_id"] == made["dom"].record_id
    assert problem["message"] == "resource record has no catalogue row"
