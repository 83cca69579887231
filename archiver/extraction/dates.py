"""Dates: ISO 8601 normalisation and the choice of publication/modification dates.

ISO 8601 and RFC 2822 strings are understood; implausible dates are rejected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _clean_text, resolve

__all__ = ["normalize_date"]


_ISO_LIKE = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?)?$",
    re.I,
)
_MIN_YEAR = 1990


def _offset(raw: str | None) -> timezone | None:
    """Parse a UTC offset such as ``Z``, ``+03:00``, ``+0300``, ``GMT+2``."""
    if not raw:
        return None
    raw = raw.upper().replace("UTC", "").replace("GMT", "")
    if raw in ("", "Z"):
        return UTC
    match = re.match(r"^([+-])(\d{1,2}):?(\d{2})?$", raw)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 18 * 60:
        return None
    return timezone(sign * timedelta(minutes=minutes))


def normalize_date(value: Any, *, now: datetime | None = None) -> str | None:
    """Normalise a date string to ISO 8601, keeping the page's UTC offset.

    ``"2023-04-16T12:05:00+03:00"`` stays as it is, ``"2023-04-16T09:05:00Z"`` becomes
    ``"2023-04-16T09:05:00+00:00"``, a date without time gives ``"2023-04-16"``, RFC 2822
    dates are understood. Implausible dates (before 1990, more than two days in the
    future) and unparseable strings give ``None``.
    """
    text = _clean_text(value)
    if not text:
        return None
    parsed: datetime | date | None = None
    match = _ISO_LIKE.match(text)
    try:
        if match:
            year, month, day, hour, minute, second, tz = match.groups()
            if hour is None:
                parsed = date(int(year), int(month), int(day))
            else:
                parsed = datetime(
                    int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                    tzinfo=_offset(tz),
                )
        else:
            parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    now = now or datetime.now(UTC)
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    if day.year < _MIN_YEAR or day > (now + timedelta(days=2)).date():
        return None
    if isinstance(parsed, datetime):
        return parsed.isoformat(timespec="seconds")
    return parsed.isoformat()


def _pick_date(candidates: list[tuple[Any, str]]) -> tuple[str | None, str | None]:
    """First candidate that normalises to a plausible date; ``(date, source)``.

    When the winner is a bare day and a later candidate gives a time on that same day,
    the more precise value is returned.
    """
    normalized = ((normalize_date(resolve(raw)), source) for raw, source in candidates)  # lazily: see resolve()
    values = ((value, source) for value, source in normalized if value)
    best, source = next(values, (None, None))
    if best is not None and len(best) == 10:
        for value, other_source in values:
            if len(value) > 10 and value[:10] == best:
                return value, other_source
    return best, source


def _pick_dates(
    trafilatura: Mapping[str, Any], data: StructuredData
) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None]]:
    """Choose the publication and modification dates."""
    jsonld = data.jsonld
    published = _pick_date(
        [
            (jsonld.date_published if jsonld else None, "json-ld"),
            (data.first("article:published_time"), "opengraph"),
            (
                data.first(
                    "datepublished", "og:published_time", "published_time", "pubdate",
                    "publishdate", "publish-date", "parsely-pub-date", "sailthru.date",
                    "dc.date.issued", "dcterms.issued", "dc.date", "date",
                ),
                "meta",
            ),
            ((data.microdata.get("datePublished") or (None,))[0], "html"),
            (lambda: trafilatura.get("date"), "trafilatura"),
        ]
    )
    modified = _pick_date(
        [
            (jsonld.date_modified if jsonld else None, "json-ld"),
            (data.first("article:modified_time"), "opengraph"),
            (data.first("og:updated_time", "datemodified", "last-modified"), "meta"),
            ((data.microdata.get("dateModified") or (None,))[0], "html"),
        ]
    )
    if published[0] and modified[0] and modified[0][:10] < published[0][:10]:
        modified = (None, None)
    return published, modified
