"""Check that the catalogue and the WARC files agree, in both directions.

- rows → records (:func:`verify_catalogue`): every capture and article that points at a WARC
  record finds, at that file and offset, a whole record of the right type, id and target URI,
  and each page requisite a page capture lists as archived is a capture with a WARC record, and
  each of a page's renderings (screenshot, rendered DOM) is the ``resource`` record it names,
  about that page (``urn:<kind>:<page url>``);
- records → rows (:func:`verify_files`): every closed WARC (or ARC) file reads to its end, every
  record catalogued as a capture (``response``, ``revisit``, ``resource`` of a URL; see
  :func:`storage.reindex.is_capture`) or as a rendering has its catalogue row, and (deep) every block and
  payload digest matches the stored bytes (ARC records carry none).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Rendering
from storage.errors import StorageError
from storage.reindex import is_capture
from storage.renderings import is_rendering_record
from storage.requisites import requisite_problems
from storage.warc.digests import digest_problems
from storage.warc.naming import ARCHIVE_SUFFIXES
from storage.warc.reader import ScanProblem, read_raw, read_record, resolve_warc_path, scan_file
from storage.warc.uris import page_url

__all__ = ["Problem", "verify_catalogue", "verify_files"]


@dataclass(frozen=True)
class Problem:
    """One disagreement between the catalogue and the WARC files."""

    capture_id: int | None
    url: str | None
    warc_file: str | None
    offset: int | None
    message: str
    record_id: str | None = None

    def __str__(self) -> str:
        who = f"capture {self.capture_id} ({self.url})" if self.capture_id else (self.url or self.warc_file or "")
        where = f"{self.warc_file} @ {self.offset}" + (f", {self.record_id}" if self.record_id else "")
        return f"{who}: {self.message} [{where}]"


def verify_catalogue(session: Session, warc_dir: Path) -> Iterator[tuple[int, list[Problem]]]:
    """For every capture with a WARC location, in id order: its id and the problems found (often none)."""
    for capture in queries.captures_with_location(session):
        expected = [(capture.warc_file, capture.warc_offset, capture.warc_length, capture.record_type,
                     capture.record_id, {capture.url})]
        article = queries.article_for_capture(session, capture.id)
        if article is not None and article.conversion_file and article.conversion_record_id:
            # A revisit shares the article, and so the conversion record, of the capture it repeats,
            # which may be of another URL (the same story at two addresses).
            urls = {capture.url}
            if capture.revisit_of_id is not None:
                original = queries.get_capture(session, capture.revisit_of_id)
                if original is not None:
                    urls.add(original.url)
            expected.append((article.conversion_file, article.conversion_offset, article.conversion_length,
                             "conversion", article.conversion_record_id, urls))
        problems = []
        for filename, offset, length, record_type, record_id, urls in expected:
            # Both rows were selected for having a file, and a file is always written with its offset.
            assert filename is not None and offset is not None
            message = _check(warc_dir, filename, offset, length, record_type, record_id, urls)
            if message:
                problems.append(Problem(capture.id, capture.url, filename, offset, message))
        for rendering in session.scalars(select(Rendering).where(Rendering.page_capture_id == capture.id)):
            message = _check(warc_dir, rendering.warc_file, rendering.warc_offset, rendering.warc_length, "resource",
                             rendering.record_id, {capture.url})
            if message:
                problems.append(Problem(capture.id, capture.url, rendering.warc_file, rendering.warc_offset,
                                        f"{rendering.kind} rendering {rendering.id}: {message}", rendering.record_id))
        problems += [Problem(capture.id, capture.url, capture.warc_file, capture.warc_offset, message)
                     for message in requisite_problems(session, capture.id)]
        yield capture.id, problems


def _check(warc_dir: Path, filename: str, offset: int, length: int | None, record_type: str | None,
           record_id: str | None, urls: set[str]) -> str | None:
    try:
        record = read_record(resolve_warc_path(warc_dir, filename), offset, expected_length=length)
    except StorageError as exc:
        return str(exc)
    if record_type and record.record_type != record_type:
        return f"record is a {record.record_type}, catalogue says {record_type}"
    if record_id and record.record_id != record_id:
        return f"record id is {record.record_id}, catalogue says {record_id}"
    # Conversion records name their page as ``urn:text:<url>`` (older archives: the URL itself).
    if page_url(record.target_uri) not in urls:
        return f"record is for {record.target_uri}"
    return None


def verify_files(session: Session, warc_dir: Path, *, deep: bool = False) -> Iterator[tuple[str, list[Problem]]]:
    """For every closed WARC file in ``warc_dir``: its name and the problems found in it."""
    files = sorted(p for p in warc_dir.glob("*") if p.name.endswith(ARCHIVE_SUFFIXES))
    for path in files:
        catalogued = queries.catalogued_record_ids(session, path.name)
        catalogued |= set(session.scalars(select(Rendering.record_id).where(Rendering.warc_file == path.name)))
        problems = []
        for item in scan_file(path):
            if isinstance(item, ScanProblem):
                problems.append(Problem(None, None, path.name, item.offset,
                                        f"unreadable bytes up to {item.resume_at if item.resume_at else 'the end'}: "
                                        f"{item.message}"))
                continue
            if (is_capture(item) or is_rendering_record(item)) and item.record_id not in catalogued:
                problems.append(Problem(None, item.target_uri, path.name, item.offset,
                                        f"{item.record_type} record has no catalogue row", item.record_id))
            if deep:
                raw = read_raw(path, item.offset, item.length or 0)
                plain = _uncompressed(raw)
                if not plain.startswith(b"WARC/"):
                    continue  # an ARC record: ARC has no digests to check
                for message in digest_problems(plain):
                    problems.append(Problem(None, item.target_uri, path.name, item.offset, message, item.record_id))
        yield path.name, problems


def _uncompressed(raw: bytes) -> bytes:
    if raw[:2] != b"\x1f\x8b":
        return raw
    return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw)
