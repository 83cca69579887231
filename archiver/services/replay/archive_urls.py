"""Archive URLs of the app, pywb style: ``/replay/TIMESTAMP[MODIFIER]/URL``.

``TIMESTAMP`` is 14 digits, ``YYYYMMDDhhmmss`` in UTC (shorter prefixes are accepted and padded
as pywb does: ``2026`` is the start of 2026). The modifier says what is served:

- none: the app's frame page (URL and time of the capture, the page below in a sandboxed frame);
- ``mp_``: the archived resource with its HTML or CSS references rewritten to archive URLs;
- ``id_``: the archived payload as received (content-decoded), nothing rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["FRAME", "IDENTITY", "PREFIX", "REWRITTEN", "ArchiveUrl", "archive_url", "parse_spec", "timestamp14"]

PREFIX = "/replay/"
FRAME = ""
REWRITTEN = "mp_"
IDENTITY = "id_"
_SPEC = re.compile(r"(?P<ts>\d{4,14})(?P<mod>mp_|id_)?")


@dataclass(frozen=True)
class ArchiveUrl:
    """A parsed ``TIMESTAMP[MODIFIER]`` path segment: the time asked for and the modifier."""

    when: datetime
    modifier: str


def timestamp14(when: datetime) -> str:
    """``when`` as the 14-digit UTC timestamp of archive URLs."""
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def archive_url(url: str, when: datetime | str, modifier: str = REWRITTEN) -> str:
    """The app's archive URL (a path) of ``url`` at ``when`` (a datetime or a 14-digit timestamp)."""
    stamp = when if isinstance(when, str) else timestamp14(when)
    return f"{PREFIX}{stamp}{modifier}/{url}"


def parse_spec(spec: str) -> ArchiveUrl | None:
    """The ``TIMESTAMP[MODIFIER]`` segment parsed, or None when it is not one (or not a real date)."""
    match = _SPEC.fullmatch(spec)
    if match is None:
        return None
    digits = match["ts"]
    padded = digits + "00000101000000"[len(digits):]
    try:
        when = datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    return ArchiveUrl(when=when, modifier=match["mod"] or FRAME)
