"""Capture flags in the archive: the WARC record that states them, and the catalogue's ``captures.flags``.

A flag marks an exchange that was archived byte for byte and still is not what it seems:
``blocked`` (a bot wall or challenge page in place of the page asked for), ``decoded-limit``
(a body whose decoded size passes the limit). Each flag set on a capture is first written as one
``metadata`` record with ``WARC-Target-URI: urn:flags:<page url>`` (never the page's own URL, so
no replay tool serves it for the page), ``WARC-Refers-To`` the capture's response (or revisit)
record and a JSON body::

    {"page": URL, "page_record_id": "<urn:uuid:...>", "flags": ["blocked"], "reason": "Cloudflare challenge"}

then added to the capture's ``flags`` in the catalogue (:func:`record_capture_flags`, the WARC
record first, always). ``archiver reindex`` puts the flags back from those records
(:func:`restore_flags`). A capture with a flag of :data:`NOT_ARTICLE_FLAGS` is never catalogued
as an article: neither a crawl nor ``reindex`` nor ``reextract`` extracts one from it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.capture_flags import BLOCKED, NOT_ARTICLE_FLAGS, not_an_article
from storage.warc.uris import FLAGS, record_uri

if TYPE_CHECKING:
    from storage.catalogue.catalogue import Catalogue
    from storage.catalogue.models import Capture
    from storage.warc.reader import ArchivedRecord
    from storage.warc.writer import WarcWriter

__all__ = ["BLOCKED", "FLAGS_URN", "NOT_ARTICLE_FLAGS", "flags_reason", "is_flags_record", "not_an_article",
           "record_capture_flags", "restore_flags"]

log = logging.getLogger(__name__)

#: Prefix of the target URI of the record that states a capture's flags.
FLAGS_URN = f"urn:{FLAGS}:"


class FlagTarget(Protocol):
    """What :func:`record_capture_flags` writes to: an open :class:`~storage.Archive` has both."""

    @property
    def writer(self) -> WarcWriter: ...

    @property
    def catalogue(self) -> Catalogue: ...


def record_capture_flags(archive: FlagTarget, capture: Capture, flags: Sequence[str], reason: str | None) -> list[str]:
    """Write the ``urn:flags:`` record stating ``flags`` (and why) of ``capture``, then flag it; its flags after.

    ``capture`` must have a WARC record (a response or a revisit) the record can refer to.
    """
    if not flags:
        return list(capture.flags or [])
    if capture.id is None or capture.record_id is None:
        raise ValueError(f"capture {capture.id} has no WARC record to flag")
    names = list(dict.fromkeys(flags))
    body = {"page": capture.url, "page_record_id": capture.record_id, "flags": names, "reason": reason}
    archive.writer.write_record(
        "metadata", record_uri(FLAGS, capture.url), json.dumps(body, ensure_ascii=False).encode("utf-8"),
        content_type="application/json", refers_to=capture.record_id,
    )
    merged = archive.catalogue.add_capture_flags(capture.id, names)
    capture.flags = merged
    return merged


def is_flags_record(record: ArchivedRecord) -> bool:
    """True for a record written by :func:`record_capture_flags`."""
    return record.record_type == "metadata" and (record.target_uri or "").startswith(FLAGS_URN)


def flags_reason(record: ArchivedRecord) -> str | None:
    """The reason a ``urn:flags:`` record gives, if any."""
    body = _body(record)
    return body.get("reason") if body and isinstance(body.get("reason"), str) else None


def restore_flags(session: Session, records: Iterable[ArchivedRecord]) -> int:
    """Give the captures these ``urn:flags:`` records refer to their flags (once each); return how many changed.

    Run after the records' captures are catalogued: each capture is found by its WARC record id.
    """
    changed = 0
    for record in records:
        body = _body(record)
        if body is None:
            log.warning("flags record %s is not a JSON object: skipped", record.record_id)
            continue
        page_record = body.get("page_record_id") or record.header("WARC-Refers-To")
        capture = queries.capture_by_record_id(session, page_record) if isinstance(page_record, str) else None
        if capture is None:
            log.warning("flags record %s: capture record %s is not catalogued", record.record_id, page_record)
            continue
        new = [flag for flag in body.get("flags") or [] if isinstance(flag, str)]
        merged = list(capture.flags or [])
        merged.extend(flag for flag in dict.fromkeys(new) if flag not in merged)
        if merged != list(capture.flags or []):
            capture.flags = merged
            changed += 1
        if not_an_article(merged):  # an article extracted before the wall was known (browser lane)
            queries.drop_article_of(session, capture.id)
    return changed


def _body(record: ArchivedRecord) -> dict[str, Any] | None:
    try:
        body = json.loads(record.payload)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
