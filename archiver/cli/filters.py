"""Search filters shared by ``search`` and ``export``: the options and how they become a SearchFilters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from storage.catalogue import SearchFilters, Sort

__all__ = [
    "AllVersionsOption",
    "AuthorOption",
    "LangOption",
    "QueryArgument",
    "SinceOption",
    "SiteOption",
    "SortOption",
    "StatusOption",
    "UntilOption",
    "build_filters",
    "parse_date_bound",
]

QUERY_HELP = ('Full-text query over title, authors and text: words (all must match), "an exact phrase", '
              "prefix*, OR, NOT, (groups), title:word. Empty: list by the filters alone.")

QueryArgument = Annotated[str, typer.Argument(help=QUERY_HELP, show_default=False)]
AuthorOption = Annotated[str | None, typer.Option("--author", help="Only articles by this author (whole words).")]
SiteOption = Annotated[str | None, typer.Option("--site", metavar="HOST",
                                                help="Only pages on this host or its subdomains.")]
LangOption = Annotated[str | None, typer.Option("--lang", metavar="CODE", help="Only articles in this language (en).")]
SinceOption = Annotated[str | None, typer.Option("--since", metavar="DATE",
                                                 help="Published on or after DATE (2023, 2023-04, 2023-04-16, ISO).")]
UntilOption = Annotated[str | None, typer.Option("--until", metavar="DATE",
                                                 help="Published on or before DATE (the whole day, month or year).")]
StatusOption = Annotated[int | None, typer.Option("--status", metavar="N", help="Only captures with this HTTP status.")]
SortOption = Annotated[Sort | None, typer.Option("--sort", help="relevance (default with a query) or date.")]
AllVersionsOption = Annotated[bool, typer.Option("--all-versions",
                                                 help="Every capture of a page, not only its latest match.")]

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
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use 2023, 2023-04, 2023-04-16 or an ISO datetime)",
                                 param_hint=option) from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def build_filters(query: str, *, author: str | None, site: str | None, lang: str | None, since: str | None,
                  until: str | None, status: int | None, all_versions: bool, sort: Sort | None) -> SearchFilters:
    """The options as a :class:`SearchFilters`; a bad date is a usage error (exit 2)."""
    start = parse_date_bound(since, end=False, option="--since") if since else None
    stop = parse_date_bound(until, end=True, option="--until") if until else None
    if start and stop and start >= stop:
        raise typer.BadParameter("--since must come before --until", param_hint="--since")
    return SearchFilters(query=query or "", author=author, site=_host(site), language=lang, since=start, until=stop,
                         status=status, all_versions=all_versions, sort=sort)


def _host(site: str | None) -> str | None:
    """``https://www.example.org/news`` and ``example.org`` alike give the host part."""
    if not site:
        return None
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", site.strip(), flags=re.IGNORECASE)
    return host.split("/", 1)[0] or None
