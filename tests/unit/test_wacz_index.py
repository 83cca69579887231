"""The WACZ export's index (gzip-block CDXJ + block index), page list and datapackage, built in process."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from support.catalogue_samples import page

from storage import Archive, ArticleData, StorageConfig
from storage.catalogue import queries
from storage.export.wacz import export_wacz
from storage.warc import HttpResponse

URL = "https://news.example/2024/05/06/pier-closed"
TIMES = [datetime(2024, 5, 6, hour, tzinfo=UTC) for hour in (8, 9, 10)]


def test_index_lists_responses_and_payload_revisits_but_not_304_revisits(storage_config: StorageConfig,
                                                                         tmp_path: Path) -> None:
    request, response = page(URL, "<html><title>Pier stays closed</title><p>The pier stays closed.</p></html>")
    with Archive(storage_config) as archive:
        first = archive.record_exchange(URL, request, response, fetched_at=TIMES[0])
        archive.record_article(first, ArticleData(title="Pier stays closed", text="The pier stays closed."))
        not_modified = archive.record_exchange(URL, request, HttpResponse(304, [("ETag", '"v1"')], b""),
                                               fetched_at=TIMES[1], not_modified_of=first.id)
        again = archive.record_exchange(URL, request, response, fetched_at=TIMES[2])
        for capture in (not_modified, again):
            assert capture.record_type == "revisit" and capture.revisit_of_id == first.id
            archive.copy_article(first.id, capture)
    out = tmp_path / "pier.wacz"
    with Archive(storage_config) as archive, archive.db.session() as session, open(out, "wb") as handle:
        articles = [queries.article_for_capture(session, c.id) for c in (first, not_modified, again)]
        assert export_wacz(session, archive.config.warc_dir, articles, handle).pages == 3
    with zipfile.ZipFile(out) as wacz:
        files = {name: wacz.read(name) for name in wacz.namelist()}
    lines = gzip.decompress(files["indexes/index.cdx.gz"]).decode().splitlines()
    entries = [(line.split(" ")[1], json.loads(line.split(" ", 2)[2])) for line in lines]
    # The response and the identical-payload revisit replay; the 304's revisit would replay as an empty 304.
    assert [(ts, e["mime"], e["status"]) for ts, e in entries] == [
        ("20240506080000", "text/html", "200"), ("20240506100000", "warc/revisit", "200")]
    assert all(e["filename"] == "data.warc.gz" and e["url"] == URL for _ts, e in entries)
    meta, block = files["indexes/index.idx"].decode().splitlines()
    assert json.loads(meta.split(" ", 2)[2]) == {"format": "cdxj-gzip-1.0", "filename": "index.cdx.gz"}
    place = json.loads(block[block.index(" {") + 1:])
    assert lines[0].startswith(block[:block.index(" {")])
    assert (place["offset"], place["length"]) == (0, len(files["indexes/index.cdx.gz"]))
    assert place["digest"] == "sha256:" + hashlib.sha256(files["indexes/index.cdx.gz"]).hexdigest()
    pages = [json.loads(line) for line in files["pages/pages.jsonl"].decode().splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert [(p["url"], p["ts"], p["title"]) for p in pages[1:]] == [
        (URL, f"{when:%Y-%m-%dT%H:%M:%SZ}", "Pier stays closed") for when in TIMES]
    package = json.loads(files["datapackage.json"])
    assert {r["path"]: (r["hash"], r["bytes"]) for r in package["resources"]} == {
        name: ("sha256:" + hashlib.sha256(data).hexdigest(), len(data)) for name, data in files.items()
        if not name.startswith("datapackage")}
    assert json.loads(files["datapackage-digest.json"])["hash"] == (
        "sha256:" + hashlib.sha256(files["datapackage.json"]).hexdigest())
