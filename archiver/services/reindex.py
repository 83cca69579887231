"""Rebuild or complete the catalogue from WARC files alone, re-extracting where needed.

Files outside the archive's WARC directory (e.g. made by ``wget --warc-file``) are copied in
first, so the archive stays self-contained and every row names a file it holds.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from archiver.crawler.pipelines import article_data
from archiver.extraction import extract
from storage import Archive, StorageError
from storage.reindex import IndexResult, index_warc_file
from storage.warc import decode_payload
from storage.warc.naming import OPEN_SUFFIX

__all__ = ["reindex"]

log = logging.getLogger(__name__)


def _same_file(a: Path, b: Path) -> bool:
    def digest(path: Path) -> str:
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()

    return a.stat().st_size == b.stat().st_size and digest(a) == digest(b)


def _bring_in(archive: Archive, path: Path) -> Path:
    """``path`` inside the archive's WARC directory (copied there if it is elsewhere)."""
    warc_dir = archive.config.warc_dir
    if path.resolve().parent == warc_dir.resolve():
        return path
    target = warc_dir / path.name
    if target.exists():
        if not _same_file(path, target):
            raise StorageError(f"{target} exists with other content; rename {path.name} before reindexing it")
        return target
    warc_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    log.info("copied %s into the archive as %s", path, target)
    return target


def reindex(archive: Archive, files: Iterable[Path] = (), *, from_scratch: bool = False,
            progress: Callable[[str], None] | None = None) -> IndexResult:
    """Catalogue ``files`` (default: every closed WARC file of the archive); extract missing articles."""
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise StorageError(f"no such WARC file: {path}")
    if not paths:
        warc_dir = archive.config.warc_dir
        paths = sorted(p for p in warc_dir.glob("*") if p.name.endswith((".warc.gz", ".warc"))
                       and not p.name.endswith(OPEN_SUFFIX)) if warc_dir.is_dir() else []
    if from_scratch:
        removed = archive.catalogue.clear_captures()
        log.warning("reindex from scratch: removed %d captures and their articles", removed)
    run_id = archive.start_run("reindex", name="reindex", settings={"files": [p.name for p in paths],
                                                                   "from_scratch": from_scratch})
    total = IndexResult()
    for path in paths:
        inside = _bring_in(archive, path)
        result = index_warc_file(archive.db, inside, crawl_run_id=run_id)
        total.add(result)
        if progress:
            progress(inside.name)
    extracted = _extract_missing(archive, total.without_article)
    archive.finish_run(run_id, status="finished", stats={
        "records": total.records, "captures_added": total.captures_added,
        "articles_added": total.articles_added + extracted, "problems": len(total.problems)})
    total.articles_added += extracted
    return total


def _extract_missing(archive: Archive, capture_ids: list[int]) -> int:
    """Extract articles from the payloads of captures that have none; return how many were made."""
    made = 0
    for capture_id in capture_ids:
        capture = archive.catalogue.get_capture(capture_id)
        if capture is None:
            continue
        try:
            record = archive.read(capture)
            result = extract(decode_payload(record), capture.url, content_type=capture.content_type)
        except StorageError as exc:
            log.warning("cannot re-extract capture %d: %s", capture_id, exc)
            continue
        archive.record_article(capture, article_data(result))
        made += 1
    return made
