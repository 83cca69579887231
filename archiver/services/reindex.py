"""Rebuild or complete the catalogue from WARC files alone, re-extracting where needed.

Files outside the archive's WARC directory (e.g. made by ``wget --warc-file``) are copied in
first, so the archive stays self-contained and every row names a file it holds. Each file's
format is checked before anything changes: WARC and ARC, plain or gzipped per record, are
copied as they are; a file gzipped as one whole (``gzip x.warc``) is repacked with one gzip
member per record (its records' bytes unchanged), since the catalogue reads a record by one
seek; anything else (lz4, zstd, random bytes) stops the command with one line (exit 2).

A reindex is lossless (docs/reindex.md): what a crawl decided comes back from the WARC's own
records (storage.reindex), pages a crawl judged not to be articles are not extracted, and,
from scratch, each capture goes back to its crawl run and each revisit plan to its watermark
(kept by WARC record id while the captures are rebuilt).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from archiver.crawler.pipelines import article_data
from archiver.extraction import extract
from storage import Archive, StorageError
from storage.errors import UnreadableFormat
from storage.flags import not_an_article
from storage.reindex import IndexResult, copy_articles_to_revisits, index_warc_file
from storage.warc import decode_payload
from storage.warc.formats import ArchiveFormat, sniff
from storage.warc.naming import ARCHIVE_SUFFIXES
from storage.warc.repack import copy_into, repack_per_record

__all__ = ["archive_name", "reindex"]

log = logging.getLogger(__name__)



def _same_file(a: Path, b: Path) -> bool:
    def digest(path: Path) -> str:
        sha = hashlib.sha256()
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                sha.update(chunk)
        return sha.hexdigest()

    return a.stat().st_size == b.stat().st_size and digest(a) == digest(b)


def archive_name(name: str, fmt: ArchiveFormat) -> str:
    """The name a file of format ``fmt`` gets in the WARC directory (its suffix says what it holds)."""
    arc = fmt in (ArchiveFormat.ARC, ArchiveFormat.ARC_GZ, ArchiveFormat.ARC_GZ_WHOLE)
    gzipped = fmt not in (ArchiveFormat.WARC, ArchiveFormat.ARC)
    stem = name.removesuffix(".gz")
    stem = stem.removesuffix(".arc") if arc else stem.removesuffix(".warc")
    return stem + (".arc" if arc else ".warc") + (".gz" if gzipped else "")


def _bring_in(archive: Archive, path: Path, fmt: ArchiveFormat) -> tuple[Path | None, list[str]]:
    """``path`` inside the archive's WARC directory (copied or repacked there if needed), and damage found.

    None when nothing readable came of it (a whole-file gzip without one whole record).
    """
    warc_dir = archive.config.warc_dir
    target = warc_dir / archive_name(path.name, fmt)
    if not fmt.whole_file_gzip and path.resolve() == target.resolve():
        return path, []
    warc_dir.mkdir(parents=True, exist_ok=True)
    if not fmt.whole_file_gzip:
        if target.exists():
            if not _same_file(path, target):
                raise StorageError(f"{target} exists with other content; rename {path.name} before reindexing it")
            return target, []
        copy_into(path, target)
        log.info("copied %s into the archive as %s", path, target)
        return target, []
    if not target.exists() or target.resolve() == path.resolve():  # repacked in place when already inside
        result = repack_per_record(path, target)
        if result.records:
            log.warning("%s is gzipped as one whole: repacked into %s with one gzip member per record (%d records)",
                        path, target, result.records)
        return (target if result.records else None), result.problems
    with tempfile.TemporaryDirectory(prefix=".repack-", dir=warc_dir) as scratch:
        repacked = Path(scratch) / target.name
        result = repack_per_record(path, repacked)
        if result.records and not _same_file(repacked, target):
            raise StorageError(f"{target} exists with other content; rename {path.name} before reindexing it")
    return (target if result.records else None), result.problems


def _archive_files(archive: Archive) -> list[Path]:
    warc_dir = archive.config.warc_dir
    if not warc_dir.is_dir():
        return []
    return sorted(p for p in warc_dir.glob("*") if p.name.endswith(ARCHIVE_SUFFIXES) and p.is_file())


def reindex(archive: Archive, files: Iterable[Path] = (), *, from_scratch: bool = False,
            progress: Callable[[str], None] | None = None) -> IndexResult:
    """Catalogue ``files`` (default: every closed WARC or ARC file of the archive); extract missing articles.

    Every file given is checked first: one that is not a WARC or ARC file we read raises
    :class:`~storage.errors.UnreadableFormat` before anything is changed. Among the archive's
    own files, such a file is reported as a problem and skipped.
    """
    paths = [Path(f) for f in files]
    for path in paths:
        if not path.is_file():
            raise StorageError(f"no such WARC file: {path}")
    formats = {path: sniff(path) for path in paths}
    total = IndexResult()
    if not paths:
        for path in _archive_files(archive):
            try:
                formats[path] = sniff(path)
            except UnreadableFormat as exc:
                total.problems.append(str(exc))
        paths = list(formats)
    kept = None
    if from_scratch:  # runs and revisit plans stay: their links to captures are kept by WARC record id
        kept = archive.catalogue.keep_capture_links()
        removed = archive.catalogue.clear_captures()
        log.warning("reindex from scratch: removed %d captures and their articles", removed)
    run_id = archive.start_run("reindex", name="reindex", settings={"files": [p.name for p in paths],
                                                                   "from_scratch": from_scratch})
    for path in paths:
        inside, problems = _bring_in(archive, path, formats[path])
        total.problems += problems
        if inside is None:
            continue
        result = index_warc_file(archive.db, inside, crawl_run_id=run_id)
        total.add(result)
        if progress:
            progress(inside.name)
    if kept is not None:
        archive.catalogue.restore_capture_links(kept)
    extracted = _extract_missing(archive, total.without_article, total.not_articles)
    if extracted:  # revisits of captures whose article was only just extracted
        extracted += copy_articles_to_revisits(archive.db)
    archive.finish_run(run_id, status="finished", stats={
        "records": total.records, "captures_added": total.captures_added,
        "articles_added": total.articles_added + extracted, "problems": len(total.problems),
        # the counts every run has (``runs``, the web UI's runs page): captures catalogued count as pages
        "counts": {"pages": total.captures_added, "articles": total.articles_added + extracted,
                   "errors": len(total.problems)}})
    total.articles_added += extracted
    return total


def _extract_missing(archive: Archive, capture_ids: list[int], not_articles: set[str]) -> int:
    """Extract articles from the payloads of captures that have none; return how many were made.

    A capture whose response record is in ``not_articles`` (a crawl judged it not to be an
    article, and said so in a record that may lie in a later file) is left without one.
    """
    made = 0
    for capture_id in capture_ids:
        capture = archive.catalogue.get_capture(capture_id)
        if capture is None or not_an_article(capture.flags) or capture.record_id in not_articles:
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
