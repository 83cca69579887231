"""Renderings: the rendered DOM and screenshot of a page as WARC resource records, their rows, and reindex."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.services import BACKENDS
from support.warc_samples import request as http_request

from storage import Archive, StorageConfig
from storage.reindex import index_warc_file
from storage.renderings import SOURCE_HEADER, is_rendering_record, record_rendering
from storage.requisites import PageRef
from storage.warc.http import HttpResponse
from storage.warc.reader import iter_records

PAGE = "https://news.example/2026/story"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.mark.parametrize("backend", BACKENDS)
def test_renderings_are_resource_records_linked_to_the_page_and_reindex_restores_them(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    env = {} if backend == "sqlite" else {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    config = StorageConfig.from_env(env, home=tmp_path / "a", fsync_interval=0.0)
    with Archive(config) as archive:
        page = archive.record_exchange(PAGE, http_request("/2026/story"), HttpResponse(
            status=200, headers=[("Content-Type", "text/html")], body=b"<html><div id=app></div></html>"))
        ref = PageRef(page.id, page.url, page.record_id)
        dom = record_rendering(archive.writer, archive.db, ref, "dom", b"<html><h1>Built</h1></html>",
                               source="browser")
        shot = record_rendering(archive.writer, archive.db, ref, "fullPage", PNG, source="replay")
        with pytest.raises(ValueError):
            record_rendering(archive.writer, archive.db, ref, "thumbnail", PNG, source="replay")
        assert [r.kind for r in archive.catalogue.renderings_of(page.id)] == ["fullPage", "dom"]
        (only_shot,) = archive.catalogue.renderings_of(page.id, "fullPage")
        assert archive.read_rendering(only_shot).payload == PNG
        assert archive.catalogue.get_rendering(dom.id).content_type == "text/html; charset=utf-8"
    records = [r for path in sorted((tmp_path / "a" / "warcs").glob("*.warc.gz")) for r in iter_records(path)]
    mine = {r.record_id: r for r in records if is_rendering_record(r)}
    assert set(mine) == {dom.record_id, shot.record_id}
    assert mine[shot.record_id].target_uri == "urn:fullPage:" + PAGE
    assert mine[dom.record_id].target_uri == "urn:dom:" + PAGE
    assert mine[shot.record_id].header("WARC-Refers-To") == page.record_id
    assert mine[shot.record_id].header(SOURCE_HEADER) == "replay"
    assert mine[shot.record_id].header("Content-Type") == "image/png"

    rebuilt_config = StorageConfig.from_env({}, home=tmp_path / "b", fsync_interval=0.0) if backend == "sqlite" \
        else config
    if backend == "sqlite":
        (tmp_path / "b" / "warcs").mkdir(parents=True)
        for path in (tmp_path / "a" / "warcs").glob("*.warc.gz"):
            (tmp_path / "b" / "warcs" / path.name).write_bytes(path.read_bytes())
    with Archive(rebuilt_config) as fresh:
        if backend != "sqlite":
            fresh.catalogue.clear_captures()
        warcs = sorted(Path(fresh.config.warc_dir).glob("*.warc.gz"))
        assert sum(index_warc_file(fresh.db, path).renderings_added for path in warcs) == 2
        rebuilt = fresh.catalogue.latest_capture(PAGE)
        assert rebuilt is not None
        again = fresh.catalogue.renderings_of(rebuilt.id)
        assert sorted((r.kind, r.source, r.payload_length) for r in again) == [
            ("dom", "browser", len("<html><h1>Built</h1></html>")), ("fullPage", "replay", len(PNG))]
        assert fresh.read_rendering(next(r for r in again if r.kind == "fullPage")).payload == PNG
        assert sum(index_warc_file(fresh.db, path).renderings_added for path in warcs) == 0
