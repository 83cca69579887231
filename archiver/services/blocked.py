"""Why a capture flagged ``blocked`` was taken for a bot wall, for ``archive``'s result line and the web UI.

The flag itself is in the catalogue (and in the capture's ``urn:flags:`` WARC record); the
reason is read again from the archived page with the same detector the pipeline ran
(:func:`archiver.extraction.blocking.detect_blocked`), which is a pure function of the answer.
"""

from __future__ import annotations

import logging

from archiver.extraction import decode_html
from archiver.extraction.blocking import BLOCKED, detect_blocked
from storage import Archive, StorageError
from storage.catalogue import Capture
from storage.warc import decode_payload

__all__ = ["blocked_reason", "is_blocked"]

log = logging.getLogger(__name__)


def is_blocked(capture: Capture | None) -> bool:
    """Whether the capture is flagged ``blocked`` (a bot wall or challenge page)."""
    return capture is not None and BLOCKED in (capture.flags or [])


def blocked_reason(archive: Archive, capture: Capture) -> str | None:
    """The detector's reason for a blocked capture (None when it is not blocked or the page no longer says)."""
    if not is_blocked(capture):
        return None
    source = capture
    if capture.revisit_of_id is not None:  # a revisit repeats its original's payload
        source = archive.catalogue.get_capture(capture.revisit_of_id) or capture
    try:
        record = archive.read(source)
        html, _ = decode_html(decode_payload(record), record.http_header("Content-Type"))
    except StorageError as exc:
        log.warning("cannot read capture %d again to say why it is blocked: %s", source.id, exc)
        return None
    sign = detect_blocked(capture.status or 0, dict(record.http_headers or []), html)
    return sign.reason if sign is not None else None
