"""ISO 8601 timestamps: the one way the project writes a datetime as text with ``Z``, and reads one back.

Written: in UTC with a ``Z`` (``2026-11-25T06:00:00.123456Z``; ``timespec`` as
:meth:`datetime.isoformat`, e.g. ``"seconds"`` for Atom and WACZ, ``"microseconds"`` for
WARC-Date). Read: ``2023-04-16``, ``...T12:05:00+03:00``, ``...Z`` or ``...z``; a value without an
offset is taken as UTC, and the result is aware UTC unless the caller keeps the written offset.

It lives in ``storage`` (which imports nothing of the application) so the catalogue, the exports
and ``archiver`` share it; ``spiders``, which may import neither, keeps its own small parser
(:func:`spiders.params.parse_datetime`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["format_iso", "parse_iso", "parse_iso_or_none"]


@overload
def format_iso(value: datetime, *, timespec: str = ...) -> str: ...
@overload
def format_iso(value: None, *, timespec: str = ...) -> None: ...
def format_iso(value: datetime | None, *, timespec: str = "auto") -> str | None:
    """``value`` in UTC as ISO 8601 with ``Z`` (a naive value is taken as UTC); None stays None."""
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat(timespec=timespec).replace("+00:00", "Z")


def parse_iso(value: str, *, keep_offset: bool = False) -> datetime:
    """An ISO 8601 date or date-time as an aware datetime (UTC unless ``keep_offset``); ValueError if not one."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed if keep_offset else parsed.astimezone(UTC)


def parse_iso_or_none(value: str | None) -> datetime | None:
    """Like :func:`parse_iso`, but None for an empty or unparsable value."""
    if not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None
