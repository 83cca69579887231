"""Renderings in the archive: what a browser made of a page, as WARC ``resource`` records and catalogue rows.

A rendering is the DOM after the page's scripts ran (``text/html``) or a full-page screenshot
(``image/png``). Each is one ``resource`` record whose target URI is ``urn:<kind>:<page url>``
(``urn:dom:`` or ``urn:fullPage:``, :mod:`storage.warc.uris`: never the page's own URL, so no
replay tool serves it in place of the page), with

- ``WARC-Refers-To``: the page capture's ``response`` (or ``revisit``) record;
- ``Archiver-Rendering-Source``: ``browser`` (the live page rendered in the browser lane, its
  requests archived beside it) or ``replay`` (the archived page rendered from the archive alone).

:func:`record_rendering` writes the record and then (the WARC record first, always) its
``renderings`` row; :func:`restore_renderings` rebuilds the rows from such records
(``archiver reindex``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Rendering, utcnow
from storage.requisites import PageRef
from storage.timefmt import parse_iso_or_none
from storage.warc.uris import DOM, FULL_PAGE, parse_record_uri, record_uri

if TYPE_CHECKING:
    from storage.catalogue.database import Database
    from storage.warc.reader import ArchivedRecord
    from storage.warc.writer import WarcWriter

__all__ = ["KINDS", "SOURCES", "SOURCE_HEADER", "is_rendering_record", "record_rendering", "restore_renderings"]

log = logging.getLogger(__name__)

#: The rendering kinds and the content type each holds.
KINDS = {DOM: "text/html; charset=utf-8", FULL_PAGE: "image/png"}
#: Where a rendering came from: the live page in the browser lane, or the archived page replayed.
SOURCES = ("browser", "replay")
#: The WARC header that names the source.
SOURCE_HEADER = "Archiver-Rendering-Source"


def record_rendering(writer: WarcWriter, db: Database, page: PageRef, kind: str, payload: bytes, *,
                     source: str, content_type: str | None = None, date: datetime | None = None) -> Rendering:
    """Write ``payload`` as the ``kind`` rendering of ``page`` with ``writer``, then its row in ``db``.

    ``kind`` is ``dom`` or ``fullPage``; ``source`` is ``browser`` or ``replay``. Returns the row
    (detached). With an open :class:`~storage.Archive`:
    ``record_rendering(archive.writer, archive.db, PageRef(capture.id, capture.url, capture.record_id), ...)``.
    """
    if kind not in KINDS:
        raise ValueError(f"not a rendering kind: {kind!r} (one of {', '.join(KINDS)})")
    if source not in SOURCES:
        raise ValueError(f"not a rendering source: {source!r} (one of {', '.join(SOURCES)})")
    content_type = content_type or KINDS[kind]
    with writer.atomic():  # no record without its row
        location = writer.write_record(
            "resource", record_uri(kind, page.url), payload, content_type=content_type, refers_to=page.record_id,
            date=date, extra_headers={SOURCE_HEADER: source},
        )
        row = Rendering(page_capture_id=page.capture_id, kind=kind, source=source, content_type=content_type,
                        warc_file=location.filename, warc_offset=location.offset, warc_length=location.length,
                        record_id=location.record_id, payload_length=len(payload), created_at=location.date)
        with db.session() as session:
            session.add(row)
    return row


def is_rendering_record(record: ArchivedRecord) -> bool:
    """True for a record written by :func:`record_rendering` (a ``resource`` record ``urn:dom:``/``urn:fullPage:``)."""
    if record.record_type != "resource":
        return False
    parsed = parse_record_uri(record.target_uri or "")
    return parsed is not None and parsed.kind in KINDS


def restore_renderings(session: Session, records: Iterable[ArchivedRecord]) -> int:
    """Make the ``renderings`` rows these records state (once each); return how many were added.

    Run after the records' captures are catalogued: the page is found by ``WARC-Refers-To``.
    Rows name each record's file by its name (the file lies in the archive's WARC directory).
    """
    added = 0
    for record in records:
        if session.scalars(select(Rendering.id).where(Rendering.record_id == record.record_id)).first():
            continue
        page_record = record.header("WARC-Refers-To")
        page = queries.capture_by_record_id(session, page_record) if page_record else None
        parsed = parse_record_uri(record.target_uri or "")
        if page is None or parsed is None:
            log.warning("rendering record %s: page record %s is not catalogued", record.record_id, page_record)
            continue
        source = record.header(SOURCE_HEADER) or "browser"
        session.add(Rendering(
            page_capture_id=page.id, kind=parsed.kind, source=source if source in SOURCES else "browser",
            content_type=record.header("Content-Type") or KINDS[parsed.kind],
            warc_file=Path(record.path).name, warc_offset=record.offset, warc_length=record.length or 0,
            record_id=record.record_id, payload_length=len(record.payload),
            created_at=_date(record.header("WARC-Date")),
        ))
        added += 1
    return added


def _date(value: str | None) -> datetime:
    return parse_iso_or_none(value) or utcnow()
