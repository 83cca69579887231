"""Export captures as a WACZ file (Web Archive Collection Zipped, format 1.1.1).

The zip holds, as the specification asks (https://specs.webrecorder.net/wacz/1.1.1/):

- ``archive/data.warc.gz``: the records of :func:`storage.export.warc.export_warc`, stored
  uncompressed in the zip so a player can seek into it;
- ``indexes/index.cdx.gz`` and ``indexes/index.idx``: a sorted CDXJ index of that WARC made by
  ``cdxj-indexer`` (the indexer py-wacz and pywb use), in gzip blocks of
  :data:`INDEX_BLOCK_LINES` lines, and the index of those blocks (``cdxj-gzip-1.0``), as py-wacz
  and Browsertrix Crawler write them. Each reader takes what it can load: ReplayWeb.page loads
  ``*.idx`` (then only the blocks it needs) or ``*.cdx``/``*.cdxj``; pywb 2.10
  (``wb-manager add --unpack-wacz``) only ``*.cdx`` or ``*.cdx.gz``. The index lists what
  replays a page: ``response`` and ``revisit`` records, but not the ``server-not-modified``
  revisits of 304 answers, which pywb would replay as an empty 304 (it never resolves a 3xx
  revisit); at their time both players serve the nearest capture, the page the 304 confirmed;
- ``pages/pages.jsonl``: a ``json-pages-1.0`` list with one entry per article (URL, capture
  time, title, and its text, which players use for full-text search);
- ``datapackage.json`` listing every file with its size and sha256, and
  ``datapackage-digest.json`` with the hash of ``datapackage.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

from cdxj_indexer import CDXJIndexer
from sqlalchemy.orm import Session

from storage.catalogue.models import Article
from storage.export.warc import WarcExport, export_warc
from storage.timefmt import format_iso

__all__ = ["WACZ_VERSION", "WaczExport", "export_wacz"]

log = logging.getLogger(__name__)
WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
CDX_NAME = "index.cdx.gz"
IDX_NAME = "index.idx"
#: CDXJ lines per gzip block of ``index.cdx.gz`` (what cdxj-indexer and py-wacz use).
INDEX_BLOCK_LINES = 300
_SERVER_NOT_MODIFIED = "/revisit/server-not-modified"


@dataclass
class WaczExport:
    """What a WACZ export wrote."""

    pages: int
    warc: WarcExport


def export_wacz(session: Session, warc_dir: Path, articles: Iterable[Article], out: BinaryIO, *,
                title: str = "news-archiver export", description: str | None = None) -> WaczExport:
    """Write a WACZ of these articles' captures to ``out`` (a seekable binary file)."""
    with tempfile.TemporaryDirectory(prefix="wacz-") as scratch:
        work = Path(scratch)
        pages_path = work / "pages.jsonl"
        capture_ids: list[int] = []
        with open(pages_path, "w", encoding="utf-8") as pages:
            pages.write(json.dumps({"format": "json-pages-1.0", "id": "pages", "title": "All Pages",
                                    "hasText": True}) + "\n")
            for article in articles:
                capture = article.capture
                if not capture.warc_file:
                    continue
                capture_ids.append(capture.id)
                pages.write(json.dumps({
                    "id": str(capture.id), "url": capture.url, "ts": format_iso(capture.fetched_at, timespec="seconds"),
                    "title": article.title or capture.url, "text": article.text or "",
                }, ensure_ascii=False) + "\n")
        warc_path = work / WARC_NAME
        with open(warc_path, "wb") as warc:
            summary = export_warc(session, warc_dir, capture_ids, warc)
        cdx_path, idx_path = work / CDX_NAME, work / IDX_NAME
        with open(idx_path, "w", encoding="utf-8") as idx, open(cdx_path, "wb") as cdx:
            _ReplayIndexer(idx, [str(warc_path)], sort=True, filename=WARC_NAME, records="response,revisit",
                           compress=cdx, data_out_name=CDX_NAME, lines=INDEX_BLOCK_LINES,
                           digest_records=True).process_all()
        resources = [
            (f"archive/{WARC_NAME}", warc_path, zipfile.ZIP_STORED),
            # Already gzip blocks: stored, so a player can read one block by its offset.
            (f"indexes/{CDX_NAME}", cdx_path, zipfile.ZIP_STORED),
            (f"indexes/{IDX_NAME}", idx_path, zipfile.ZIP_DEFLATED),
            ("pages/pages.jsonl", pages_path, zipfile.ZIP_DEFLATED),
        ]
        package = _datapackage(resources, title=title, description=description)
        with zipfile.ZipFile(out, "w", allowZip64=True) as wacz:
            for name, path, method in resources:
                wacz.write(path, name, compress_type=method)
            data = json.dumps(package, indent=2).encode("utf-8")
            wacz.writestr("datapackage.json", data, compress_type=zipfile.ZIP_DEFLATED)
            digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
            wacz.writestr("datapackage-digest.json", json.dumps(digest, indent=2),
                          compress_type=zipfile.ZIP_DEFLATED)
    log.info("WACZ with %d pages, %d WARC records", len(capture_ids), summary.records)
    return WaczExport(pages=len(capture_ids), warc=summary)


class _ReplayIndexer(CDXJIndexer):  # type: ignore[misc]  # cdxj-indexer has no type hints
    """cdxj-indexer, leaving out the revisits of 304 answers (see the module docstring)."""

    def filter_record(self, record: Any) -> bool:
        profile = record.rec_headers.get_header("WARC-Profile") or ""
        return bool(super().filter_record(record)) and not profile.endswith(_SERVER_NOT_MODIFIED)


def _datapackage(resources: list[tuple[str, Path, int]], *, title: str, description: str | None) -> dict[str, Any]:
    entries = []
    for name, path, _method in resources:
        sha256, size = _hash_file(path)
        entries.append({"name": Path(name).name.lower(), "path": name, "hash": f"sha256:{sha256}", "bytes": size})
    package: dict[str, Any] = {
        "profile": "data-package",
        "resources": entries,
        "wacz_version": WACZ_VERSION,
        "title": title,
        "created": format_iso(datetime.now(UTC), timespec="seconds"),
        "software": _software(),
    }
    if description:
        package["description"] = description
    return package


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(io.DEFAULT_BUFFER_SIZE * 64), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _software() -> str:
    try:
        ours = version("news-archiver")
    except PackageNotFoundError:
        ours = "dev"
    return f"news-archiver {ours}"
