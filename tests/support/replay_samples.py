"""Captures made straight through :class:`storage.Archive` for the nearest-capture look-up of replay.

:func:`replay_captures` archives, at known times (November 2026, UTC):

- ``/logo.png`` on days 1, 5 and 9 (day 5 has the same bytes as day 1: a revisit);
- ``/old`` on day 4, a 301 to ``/logo.png``; ``/gone`` on day 4, a 302 to a URL never archived;
- ``/loop-a`` and ``/loop-b`` on day 4, redirecting to each other;
- ``/failed`` on day 4, a fetch that failed (no WARC record);
- ``/edition`` at noon of day 2 minus 0.2 s and plus 0.5 s (two captures a moment apart).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from storage import Archive
from storage.warc import HttpRequest, HttpResponse

__all__ = ["SITE", "day", "replay_captures"]

SITE = "http://img.example"


def day(n: int, hour: int = 12) -> datetime:
    """Noon (or ``hour``) of day ``n`` of November 2026, UTC."""
    return datetime(2026, 11, n, hour, tzinfo=UTC)


def _exchange(archive: Archive, url: str, when: datetime, status: int, body: bytes,
              location: str | None = None) -> int:
    parts = urlsplit(url)
    request = HttpRequest("GET", parts.path or "/", [("Host", parts.netloc)])
    headers = [("Content-Type", "image/png" if status == 200 else "text/html")]
    if location:
        headers.append(("Location", location))
    capture = archive.record_exchange(url, request, HttpResponse(status, headers, body), fetched_at=when,
                                      redirect_location=location and f"{SITE}{location}")
    return capture.id


def replay_captures(archive: Archive) -> dict[str, int]:
    """Archive the captures of the module docstring; their ids by name."""
    ids = {
        "logo1": _exchange(archive, f"{SITE}/logo.png", day(1), 200, b"logo version 1"),
        "logo5": _exchange(archive, f"{SITE}/logo.png", day(5), 200, b"logo version 1"),
        "logo9": _exchange(archive, f"{SITE}/logo.png", day(9), 200, b"logo version 2"),
        "old": _exchange(archive, f"{SITE}/old", day(4), 301, b"moved", "/logo.png"),
        "gone": _exchange(archive, f"{SITE}/gone", day(4), 302, b"moved", "/nowhere.png"),
        "loop_a": _exchange(archive, f"{SITE}/loop-a", day(4), 302, b"a", "/loop-b"),
        "loop_b": _exchange(archive, f"{SITE}/loop-b", day(4, 13), 302, b"b", "/loop-a"),
    }
    noon = day(2)
    ids["edition_before"] = _exchange(archive, f"{SITE}/edition", noon - timedelta(milliseconds=200), 200, b"e1")
    ids["edition_in"] = _exchange(archive, f"{SITE}/edition", noon + timedelta(milliseconds=500), 200, b"e2")
    ids["failed"] = archive.record_failure(f"{SITE}/failed", error="connection refused", fetched_at=day(4)).id
    return ids
