"""Replay one archived resource: find the capture of a URL nearest in time, read it, rewrite it.

:func:`replay_resource` is what the web app's archive URLs serve. The capture is chosen by the
catalogue (:meth:`~storage.catalogue.Catalogue.nearest_capture`: nearest in time, revisits
resolved, captured redirects followed); its payload is read from the WARC by one seek and
content-decoded. HTML and CSS are then rewritten so their references are archive URLs at the
timestamp of the page being replayed; everything else is served as archived. The WARC is never
changed. A URL that was never archived is a :class:`ReplayGap` (HTTP 404), never a live fetch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import tinycss2.bytes

from archiver.core.errors import NotFoundError
from archiver.extraction import decode_html
from archiver.services.replay.archive_urls import REWRITTEN, archive_url, timestamp14
from archiver.services.replay.css import rewrite_css
from archiver.services.replay.html import rewrite_html
from archiver.services.replay.references import resolver
from storage import Archive
from storage.catalogue import Capture, ReplayCapture
from storage.warc.reader import decode_payload

__all__ = ["Replayed", "ReplayGap", "find_capture", "replay_resource"]

_HTML_TYPES = {"text/html", "application/xhtml+xml"}


class ReplayGap(NotFoundError):
    """The URL asked for was not archived (or its payload is gone): a gap in the replay."""


@dataclass(frozen=True)
class Replayed:
    """An archived resource ready to serve: the capture it came from and the bytes to send."""

    url: str
    capture: Capture
    redirected_from: tuple[str, ...]
    status: int | None
    content_type: str
    body: bytes


def _lookup_forms(url: str) -> list[str]:
    """``url`` as given, then with the ``/`` path an HTTP client adds to a bare host."""
    parts = urlsplit(url)
    forms = [url]
    if not parts.path:
        forms.append(urlunsplit((parts.scheme, parts.netloc, "/", parts.query, parts.fragment)))
    return forms


def find_capture(archive: Archive, url: str, when: datetime) -> ReplayCapture:
    """What replays ``url`` at ``when`` (redirects followed, revisits resolved); :class:`ReplayGap` if nothing."""
    for form in _lookup_forms(url):
        found = archive.catalogue.nearest_capture(form, when)
        if found is not None:
            return found
    raise ReplayGap(f"not archived: {url}")


def replay_resource(archive: Archive, url: str, when: datetime, *, rewrite: bool = True) -> Replayed:
    """The archived ``url`` nearest to ``when``, rewritten for replay at ``when`` unless ``rewrite`` is False."""
    found = find_capture(archive, url, when)
    capture = found.capture
    if capture.is_redirect:
        raise ReplayGap(f"{capture.url} redirected to {capture.redirect_location}, which was not archived")
    if found.payload is None or found.payload.warc_file is None:
        raise ReplayGap(f"the payload of {capture.url} (a revisit) is no longer in the archive")
    record = archive.read(found.payload)
    body = decode_payload(record)
    content_type = record.http_header("Content-Type") or capture.content_type or "application/octet-stream"
    if rewrite:
        body, content_type = _rewritten(body, content_type, capture.url, when)
    return Replayed(url=capture.url, capture=capture, redirected_from=tuple(hop.url for hop in found.redirects),
                    status=capture.status, content_type=content_type, body=body)


def _rewritten(body: bytes, content_type: str, url: str, when: datetime) -> tuple[bytes, str]:
    """HTML and CSS with their references rewritten (as UTF-8), anything else as it was."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    stamp = timestamp14(when)

    def to_archive(absolute: str) -> str:
        return archive_url(absolute, stamp, REWRITTEN)

    if media_type in _HTML_TYPES:
        text, _ = decode_html(body, content_type)
        return rewrite_html(text, url, to_archive).encode(), "text/html; charset=utf-8"
    if media_type == "text/css":
        charset = _charset(content_type)
        text, _ = tinycss2.bytes.decode_stylesheet_bytes(body, protocol_encoding=charset)
        return rewrite_css(text, resolver(url, to_archive)).encode(), "text/css; charset=utf-8"
    return body, content_type


def _charset(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None
