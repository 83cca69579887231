"""Articles as flat records for JSON Lines and CSV, and back.

One record per article version: every column of the capture and of its article (so an export
round-trips the catalogue), ``capture_id`` and ``article_id`` first, then the page's screenshot
(``screenshot_record_id`` and where that WARC record lies; empty without one), the text last. Datetimes
are ISO 8601 in UTC with a ``Z``; in CSV, list and mapping fields are JSON and None is empty.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

from sqlalchemy import JSON, Boolean, Integer

from storage.catalogue.models import Article, Capture, Rendering
from storage.timefmt import format_iso

__all__ = ["FIELDS", "SCREENSHOT_FIELDS", "article_record", "from_csv_row", "write_csv", "write_jsonl"]

_FIRST = ["capture_id", "article_id", "url", "requested_url", "title", "authors", "author", "published",
          "published_at", "modified", "sitename", "language", "description", "canonical_url", "image", "tags",
          "word_count", "status", "content_type", "fetched_at", "record_type", "payload_digest", "revisit_of_id"]
_LAST = ["text"]
#: The page's screenshot (a ``fullPage`` rendering, storage.renderings): its record and where it lies.
SCREENSHOT_FIELDS = ["screenshot_record_id", "screenshot_warc_file", "screenshot_warc_offset"]
_CAPTURE_COLUMNS = {c.key: c for c in Capture.__table__.columns if c.key != "id"}
_ARTICLE_COLUMNS = {c.key: c for c in Article.__table__.columns if c.key not in ("id", "capture_id")}
_ALL = {**_CAPTURE_COLUMNS, **_ARTICLE_COLUMNS}

#: Every field of a record, in order (new catalogue columns join automatically before ``text``).
FIELDS: list[str] = _FIRST + [name for name in _ALL if name not in _FIRST + _LAST] + SCREENSHOT_FIELDS + _LAST


def article_record(capture: Capture, article: Article, *, with_text: bool = True,
                   screenshot: Rendering | None = None) -> dict[str, Any]:
    """The capture and its article as one flat, JSON-ready dict with the keys of :data:`FIELDS`.

    ``screenshot`` is the page's screenshot to name (None: the screenshot fields are empty).
    """
    record: dict[str, Any] = {}
    for name in FIELDS:
        if name in SCREENSHOT_FIELDS:
            value: Any = getattr(screenshot, name.removeprefix("screenshot_"), None) if screenshot else None
        elif name == "capture_id":
            value = capture.id
        elif name == "article_id":
            value = article.id
        elif name in _ARTICLE_COLUMNS:
            value = getattr(article, name)
        else:
            value = getattr(capture, name)
        if isinstance(value, datetime):
            value = format_iso(value)
        elif isinstance(value, list | dict):
            value = json.loads(json.dumps(value))  # a copy, detached from the ORM object
        record[name] = value
    if not with_text:
        record.pop("text")
    return record


def write_jsonl(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line; return how many."""
    count = 0
    for record in records:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """Write a header row and one row per record (lists and mappings as JSON); return how many."""
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({key: _csv_cell(value) for key, value in record.items()})
        count += 1
    return count


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def from_csv_row(row: Mapping[str, str]) -> dict[str, Any]:
    """A CSV row back as a record with the types of :func:`article_record` (empty cells are None)."""
    record: dict[str, Any] = {}
    for name, cell in row.items():
        if cell == "" or cell is None:
            record[name] = None
            continue
        column = _ALL.get(name)
        kind = type(column.type) if column is not None else None
        if name in ("capture_id", "article_id") or (kind and issubclass(kind, Integer)):
            record[name] = int(cell)
        elif kind and issubclass(kind, JSON):
            record[name] = json.loads(cell)
        elif kind and issubclass(kind, Boolean):
            record[name] = cell.lower() in ("true", "1")
        else:
            record[name] = cell  # text, and datetimes as the ISO strings the JSON records hold
    return record

