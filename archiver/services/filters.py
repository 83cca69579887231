"""Search filters as the CLI's ``search``/``export`` options and the web app's parameters give them.

Dates name whole periods (``2023``, ``2023-04``, ``2023-04-16``) or instants (ISO); a bad one
raises :class:`FilterError`, a usage error (exit 2 on the command line, 400 on the web).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from archiver.core.errors import UsageError
from storage.catalogue.search_model import SearchFilters, Sort
from storage.timefmt import parse_iso

__all__ = ["FilterError", "build_filters", "parse_date_bound"]


class FilterError(UsageError):
    """A search filter that cannot be used (a date that is not one, bounds in the wrong order)."""

    http_status = 400


_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def parse_date_bound(value: str, *, end: bool, option: str) -> datetime:
    """A date option as an aware UTC instant.

    ``2023``, ``2023-04`` and ``2023-04-16`` name a whole period (UTC): a start bound is its
    first instant, an end bound the first instant after it. An ISO datetime is taken as is
    (UTC when it has no offset).
    """
    text = value.strip()
    match = _PERIOD.match(text)
    try:
        if match:
            year, month, day = (int(part) if part else None for part in match.groups())
            start = datetime(year, month or 1, day or 1, tzinfo=UTC)  # type: ignore[arg-type]
            if not end:
                return start
            if day is not None:
                return start + timedelta(days=1)
            if month is not None:
                return start.replace(year=year + (month == 12), month=month % 12 + 1)  # type: ignore[operator]
            return start.replace(year=start.year + 1)
        parsed = parse_iso(text)
    except ValueError:
        raise FilterError(f"{option}: {value!r} is not a date (use 2023, 2023-04, 2023-04-16 or an ISO datetime)") \
            from None
    return parsed


def build_filters(query: str, *, author: str | None, site: str | None, lang: str | None, since: str | None,
                  until: str | None, status: int | None, all_versions: bool, sort: Sort | None) -> SearchFilters:
    """The options as a :class:`SearchFilters`; a bad date raises :class:`FilterError`."""
    start = parse_date_bound(since, end=False, option="--since") if since else None
    stop = parse_date_bound(until, end=True, option="--until") if until else None
    if start and stop and start >= stop:
        raise FilterError("--since must come before --until")
    return SearchFilters(query=query or "", author=author, site=_host(site), language=lang, since=start, until=stop,
                         status=status, all_versions=all_versions, sort=sort)


def _host(site: str | None) -> str | None:
    """``https://www.example.org/news`` and ``example.org`` alike give the host part."""
    if not site:
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", site.strip(), flags=re.IGNORECASE)
    return host.split("/", 1)[0] or None
