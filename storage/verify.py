"""Check that the catalogue and the WARC files agree.

Every capture and article that points at a WARC record must find, at that file and offset,
a whole record of the right type, id and target URI.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.errors import StorageError
from storage.warc.reader import read_record, resolve_warc_path

__all__ = ["Problem", "verify_catalogue"]


@dataclass(frozen=True)
class Problem:
    """One disagreement between a catalogue row and the WARC files."""

    capture_id: int
    url: str
    warc_file: str | None
    offset: int | None
    message: str

    def __str__(self) -> str:
        return f"capture {self.capture_id} ({self.url}): {self.message} [{self.warc_file} @ {self.offset}]"


def verify_catalogue(session: Session, warc_dir: Path) -> Iterator[tuple[int, list[Problem]]]:
    """For every capture with a WARC location, in id order: its id and the problems found (often none)."""
    for capture in queries.captures_with_location(session):
        expected = [(capture.warc_file, capture.warc_offset, capture.warc_length, capture.record_type,
                     capture.record_id)]
        article = queries.article_for_capture(session, capture.id)
        if article is not None and article.conversion_file and article.conversion_record_id:
            expected.append((article.conversion_file, article.conversion_offset, article.conversion_length,
                             "conversion", article.conversion_record_id))
        problems = []
        for filename, offset, length, record_type, record_id in expected:
            message = _check(warc_dir, filename, offset, length, record_type, record_id, capture.url)
            if message:
                problems.append(Problem(capture.id, capture.url, filename, offset, message))
        yield capture.id, problems


def _check(warc_dir: Path, filename: str, offset: int, length: int | None, record_type: str | None,
           record_id: str | None, url: str) -> str | None:
    try:
        record = read_record(resolve_warc_path(warc_dir, filename), offset, expected_length=length)
    except StorageError as exc:
        return str(exc)
    if record_type and record.record_type != record_type:
        return f"record is a {record.record_type}, catalogue says {record_type}"
    if record_id and record.record_id != record_id:
        return f"record id is {record.record_id}, catalogue says {record_id}"
    if record.target_uri != url:
        return f"record is for {record.target_uri}"
    return None
