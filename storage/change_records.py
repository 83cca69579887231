"""Detected edits in the WARC: the record written when a change row is, and the rows a reindex gets back.

A change row (``changes``, :class:`~storage.catalogue.models.ChangeRecord`) says how a page
differed between two of its captures. Comparing the two again after a reindex would not give
it back for certain (the site's other pages, which the comparison leaves out, may have changed
since), so the row is written down when it is made: a ``metadata`` record with
``WARC-Target-URI: urn:change:<page url>``, ``WARC-Refers-To`` the later capture's response
(or revisit) record and a JSON body with every field of the row, the two captures named by
their WARC record ids::

    {"id": 7, "url": URL, "before_record_id": "<urn:uuid:...>", "after_record_id": "<urn:uuid:...>",
     "before_fetched_at": ISO, "after_fetched_at": ISO, "detected_at": ISO, "title": ..., "fields": [...],
     "words_added": 3, ..., "details": {...}}

The record is written inside the transaction that adds the row (:func:`change_recorder`), so
a row is never committed without its record. :func:`restore_changes` gives a reindex the rows
back: a row that lost its capture links (``reindex --from-scratch`` deletes the captures) gets
them again and keeps its id; a row the catalogue does not have is added.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.facade.watch import ChangeRecorder
from storage.catalogue.models import Capture, ChangeRecord
from storage.timefmt import format_iso, parse_iso_or_none
from storage.warc.uris import CHANGE, record_uri

if TYPE_CHECKING:
    from storage.warc.reader import ArchivedRecord
    from storage.warc.writer import WarcWriter

__all__ = ["CHANGE_URN", "ChangeRecorder", "change_body", "change_recorder", "is_change_record", "restore_changes"]

log = logging.getLogger(__name__)

#: Prefix of the target URI of a change record.
CHANGE_URN = f"urn:{CHANGE}:"
#: The columns copied as they are between a row and a record body.
_PLAIN = ("url", "title", "fields", "words_added", "words_removed", "sentences_added", "sentences_removed",
          "sentences_edited", "details")
_TIMES = ("before_fetched_at", "after_fetched_at", "detected_at")


def change_body(change: ChangeRecord, *, before_record_id: str | None, after_record_id: str | None) -> dict[str, Any]:
    """The JSON body of the change record of ``change``."""
    body: dict[str, Any] = {"id": change.id, "before_record_id": before_record_id, "after_record_id": after_record_id}
    body.update({name: getattr(change, name) for name in _PLAIN})
    body.update({name: format_iso(getattr(change, name)) for name in _TIMES})
    return body


def change_recorder(writer: WarcWriter) -> ChangeRecorder:
    """What writes the ``urn:change:`` record of each change row with ``writer`` (see :func:`change_body`)."""
    def record(change: ChangeRecord, before: Capture, after: Capture) -> None:
        body = change_body(change, before_record_id=before.record_id, after_record_id=after.record_id)
        writer.write_record(
            "metadata", record_uri(CHANGE, change.url), json.dumps(body, ensure_ascii=False).encode("utf-8"),
            content_type="application/json", refers_to=after.record_id,
        )

    return record


def is_change_record(record: ArchivedRecord) -> bool:
    """True for a record written by :func:`change_recorder`."""
    return record.record_type == "metadata" and (record.target_uri or "").startswith(CHANGE_URN)


def restore_changes(session: Session, records: Iterable[ArchivedRecord]) -> int:
    """Give back the change rows these records state (once each); return how many were relinked or added.

    Run after the records' captures are catalogued: the captures are found by their WARC record ids.
    """
    restored = 0
    for record in records:
        body = _body(record)
        if body is None:
            continue
        after = queries.capture_by_record_id(session, body["after_record_id"])
        if after is None:
            log.warning("change record %s: capture record %s is not catalogued", record.record_id,
                        body["after_record_id"])
            continue
        if session.scalars(select(ChangeRecord.id).where(ChangeRecord.after_capture_id == after.id)).first():
            continue  # the catalogue has it
        before_id = body.get("before_record_id")
        before = queries.capture_by_record_id(session, before_id) if isinstance(before_id, str) else None
        row = session.get(ChangeRecord, body["id"]) if isinstance(body.get("id"), int) else None
        if row is None or row.after_capture_id is not None or row.url != body.get("url"):
            row = ChangeRecord(host_key=after.host_key, **_columns(body))
            row.after_fetched_at = row.after_fetched_at or after.fetched_at
            session.add(row)
        row.before_capture_id = before.id if before is not None else None
        row.after_capture_id = after.id
        session.flush()
        restored += 1
    return restored


def _body(record: ArchivedRecord) -> dict[str, Any] | None:
    try:
        body = json.loads(record.payload)
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("after_record_id"), str) \
            or not isinstance(body.get("url"), str):
        log.warning("change record %s is not a change's JSON: skipped", record.record_id)
        return None
    return body


def _columns(body: dict[str, Any]) -> dict[str, Any]:
    values = {name: body.get(name) for name in _PLAIN}
    values["fields"] = list(values["fields"] or [])
    values["details"] = dict(values["details"] or {})
    for name in ("words_added", "words_removed", "sentences_added", "sentences_removed", "sentences_edited"):
        values[name] = values[name] if isinstance(values[name], int) else 0
    times = {name: parse_iso_or_none(body.get(name)) for name in _TIMES}
    if times["detected_at"] is None:
        times.pop("detected_at")  # the column's default: now
    return {**values, **times}
