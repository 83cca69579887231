"""What every route shares: the catalogue, the templates, the search filters from a query string."""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from archiver.services.filters import build_filters
from archiver.services.versions import captures_of_page
from storage import Archive
from storage.catalogue import Capture, Catalogue, SearchFilters, Sort, split_marks

__all__ = ["archive_of", "catalogue", "marked", "page_captures", "readable_date", "search_filters", "templates"]

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))


def marked(snippet: str) -> Markup:
    """A search snippet as HTML: escaped, its matched words in ``<mark>``."""
    text, spans = split_marks(snippet or "")
    out, last = [], 0
    for start, end in spans:
        out.append(html.escape(text[last:start]))
        out.append(f"<mark>{html.escape(text[start:end])}</mark>")
        last = end
    out.append(html.escape(text[last:]))
    return Markup("".join(out))


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def readable_date(value: datetime | str | None) -> Markup:
    """A date as a person reads it (``30 Nov 2026``, with the time when there is one) in a ``<time>``
    element whose ``datetime`` keeps the ISO value; empty for none, the text itself when unparsable."""
    if not value:
        return Markup("")
    iso = value.isoformat() if isinstance(value, datetime) else str(value)
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return Markup(html.escape(iso))
    shown = f"{moment.day} {moment:%b %Y}"
    if (moment.hour, moment.minute) != (0, 0) and len(iso) > 10:
        shown += f", {moment:%H:%M}" + (" UTC" if moment.utcoffset() is not None and not moment.utcoffset() else "")
    return Markup(f'<time datetime="{html.escape(iso)}">{html.escape(shown)}</time>')


templates.env.filters["marked"] = marked
templates.env.filters["when"] = _when
templates.env.filters["date"] = readable_date


def archive_of(request: Request) -> Archive:
    """The archive the app serves."""
    return request.app.state.archive


def catalogue(request: Request) -> Catalogue:
    """The catalogue of the archive the app serves."""
    return archive_of(request).catalogue


def search_filters(q: str = "", *, author: str | None = None, site: str | None = None, lang: str | None = None,
                   since: str | None = None, until: str | None = None, status: int | None = None,
                   sort: Sort | None = None, all_versions: bool = False) -> SearchFilters:
    """The CLI's search options as a :class:`SearchFilters`; a bad date raises a 400 (:class:`FilterError`)."""
    return build_filters(q, author=author or None, site=site or None, lang=lang or None, since=since or None,
                         until=until or None, status=status, all_versions=all_versions, sort=sort)


def page_captures(catalogue: Catalogue, url: str) -> list[Capture]:
    """Every capture of ``url`` (requested or final, as given or normalised), oldest first; 404 when none."""
    captures = captures_of_page(catalogue, url)
    if not captures:
        raise HTTPException(404, f"nothing archived for {url!r}")
    return captures
