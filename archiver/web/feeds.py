"""``/feeds/changes.atom``: the Atom feed of detected edits (as ``archiver changes --format atom``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from archiver.crawler.changes.compare import FIELD_GROUPS
from archiver.services.filters import parse_date_bound
from archiver.services.watch.feed import ATOM_TYPE, changes_feed
from archiver.web.deps import catalogue
from archiver.web.params import MinWords

__all__ = ["router"]

router = APIRouter()


@router.get("/feeds/changes.atom", summary="Atom feed of detected edits, newest first")
def changes_atom(
    request: Request,
    site: Annotated[str | None, Query(description="Only pages on this host or its subdomains.")] = None,
    field: Annotated[list[str], Query(description="Only edits of these fields: title, description, body, "
                                                  "authors, dates.")] = [],  # noqa: B006
    since: Annotated[str | None, Query(description="Captured on or after (2026, 2026-11, 2026-11-30, ISO).")]
    = None,
    min_words: MinWords = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Response:
    """The latest edits as Atom, filtered as ``archiver changes``."""
    unknown = [name for name in field if name not in FIELD_GROUPS]
    if unknown:
        raise HTTPException(400, f"unknown field {unknown[0]!r} (use {', '.join(FIELD_GROUPS)})")
    start = parse_date_bound(since, end=False, option="since") if since else None
    fields = [name for choice in field for name in FIELD_GROUPS[choice]]
    found = catalogue(request).changes(since=start, site=site or None, fields=fields, min_words=min_words,
                                       limit=limit)
    body = changes_feed(found, self_url=str(request.url))
    return Response(body, media_type=ATOM_TYPE)
