"""Page requisites in the archive: the WARC record that links a page to them, and its catalogue rows.

For each page capture, the crawler writes one ``metadata`` record (or several, when the page's
requisites were fetched by several processes) with ``WARC-Target-URI: urn:requisites:<page
url>`` (never the page's own URL, so no replay tool serves it for the page),
``WARC-Refers-To`` the page's response record and a JSON body::

    {"page": URL, "page_record_id": "<urn:uuid:...>", "limit": 150, "dropped": 2,
     "requisites": [{"url": URL, "kind": "image", "record_id": "<urn:uuid:...>" | null,
                     "missing": null | "why it is not there"}, ...]}

``record_id`` is the requisite's ``response`` or ``revisit`` record (one fetched before, when it
was archived recently enough not to be fetched again). :func:`record_requisites` writes the
record and then (the WARC record first, always) the ``requisite_links`` rows;
:func:`restore_links` rebuilds those rows from such records (``archiver reindex``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Capture, RequisiteLink
from storage.warc.uris import REQUISITES, record_uri

if TYPE_CHECKING:
    from storage.catalogue.database import Database
    from storage.warc.reader import ArchivedRecord
    from storage.warc.writer import WarcWriter

__all__ = ["REQUISITES_URN", "PageRef", "RequisiteEntry", "is_requisites_record", "record_requisites",
           "requisite_capture_ids", "requisite_problems", "restore_links"]

log = logging.getLogger(__name__)

#: Prefix of the target URI of the record that lists a page's requisites.
REQUISITES_URN = f"urn:{REQUISITES}:"


@dataclass(frozen=True)
class PageRef:
    """The page capture requisites belong to."""

    capture_id: int
    url: str
    record_id: str | None


@dataclass(frozen=True)
class RequisiteEntry:
    """One requisite of a page: the capture holding it (and its record), or why it is missing."""

    url: str
    kind: str | None = None
    capture_id: int | None = None
    record_id: str | None = None
    missing: str | None = None


def record_requisites(writer: WarcWriter, db: Database, page: PageRef, entries: Sequence[RequisiteEntry], *,
                      limit: int | None = None) -> str | None:
    """Write the ``urn:requisites:`` record of ``page`` listing ``entries`` with ``writer``, then their rows in ``db``.

    Returns the record's id (None when there is nothing to record). With an open
    :class:`~storage.Archive`: ``record_requisites(archive.writer, archive.db, ...)``.
    """
    if not entries:
        return None
    body = {
        "page": page.url,
        "page_record_id": page.record_id,
        "limit": limit,
        "dropped": sum(1 for entry in entries if entry.capture_id is None and entry.record_id is None
                       and (entry.missing or "").startswith("over ")),
        "requisites": [{"url": e.url, "kind": e.kind, "record_id": e.record_id, "missing": e.missing}
                       for e in entries],
    }
    with writer.atomic():  # no record without its rows
        location = writer.write_record(
            "metadata", record_uri(REQUISITES, page.url), json.dumps(body, ensure_ascii=False).encode("utf-8"),
            content_type="application/json", refers_to=page.record_id,
        )
        with db.session() as session:
            session.add_all(_link(page.capture_id, entry, location.record_id) for entry in entries)
    return location.record_id


def is_requisites_record(record: ArchivedRecord) -> bool:
    """True for a record written by :func:`record_requisites`."""
    return record.record_type == "metadata" and (record.target_uri or "").startswith(REQUISITES_URN)


def restore_links(session: Session, records: Iterable[ArchivedRecord]) -> int:
    """Make the ``requisite_links`` rows these ``urn:requisites:`` records state (once); return how many were added.

    Run after the records' captures are catalogued: the page and each requisite are found by
    their WARC record ids. A link already in the catalogue (same page, same URL) is left alone.
    """
    added = 0
    for record in records:
        try:
            body = json.loads(record.payload)
        except ValueError:
            log.warning("requisites record %s is not JSON: skipped", record.record_id)
            continue
        if not isinstance(body, dict):
            continue
        page_record = body.get("page_record_id") or record.header("WARC-Refers-To")
        page = queries.capture_by_record_id(session, page_record) if page_record else None
        if page is None:
            log.warning("requisites record %s: page record %s is not catalogued", record.record_id, page_record)
            continue
        known = set(session.scalars(select(RequisiteLink.url).where(RequisiteLink.page_capture_id == page.id)))
        for item in body.get("requisites") or []:
            entry = _entry(item)
            if entry is None or entry.url in known:
                continue
            capture = queries.capture_by_record_id(session, entry.record_id) if entry.record_id else None
            session.add(_link(page.id, entry, record.record_id, capture))
            known.add(entry.url)
            added += 1
    return added


def requisite_capture_ids(session: Session, page_capture_ids: Iterable[int]) -> set[int]:
    """The capture ids of the requisites of these page captures (for exports: a page goes with what it needs)."""
    ids = sorted(set(page_capture_ids))
    found: set[int] = set()
    for start in range(0, len(ids), 500):
        found.update(link for link in session.scalars(
            select(RequisiteLink.requisite_capture_id)
            .where(RequisiteLink.page_capture_id.in_(ids[start:start + 500]),
                   RequisiteLink.requisite_capture_id.is_not(None))) if link is not None)
    return found


def requisite_problems(session: Session, page_capture_id: int) -> list[str]:
    """What is wrong with a page's requisite links: one listed as archived whose capture has no WARC record."""
    problems = []
    rows = session.execute(
        select(RequisiteLink.url, RequisiteLink.requisite_capture_id, Capture.warc_file, Capture.error)
        .join(Capture, Capture.id == RequisiteLink.requisite_capture_id, isouter=True)
        .where(RequisiteLink.page_capture_id == page_capture_id, RequisiteLink.missing.is_(None)))
    for url, capture_id, warc_file, error in rows:
        if capture_id is None:
            problems.append(f"page requisite {url} is listed as archived but has no capture")
        elif warc_file is None and not error:
            problems.append(f"page requisite {url} (capture {capture_id}) has no WARC record")
    return problems


def _entry(item: Any) -> RequisiteEntry | None:
    if not isinstance(item, dict) or not isinstance(item.get("url"), str):
        return None
    def text(name: str) -> str | None:
        value = item.get(name)
        return value if isinstance(value, str) else None

    return RequisiteEntry(url=item["url"], kind=text("kind"), record_id=text("record_id"), missing=text("missing"))


def _link(page_id: int, entry: RequisiteEntry, record_id: str | None,
          capture: Capture | None = None) -> RequisiteLink:
    return RequisiteLink(page_capture_id=page_id, url=entry.url, kind=entry.kind,
                         requisite_capture_id=capture.id if capture is not None else entry.capture_id,
                         missing=entry.missing, record_id=record_id)
