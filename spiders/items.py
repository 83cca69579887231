"""Items the spiders yield."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Page"]


@dataclass
class Page:
    """A fetched page handed to the item pipelines.

    ``html`` is the decoded document (charset from the HTTP header, then ``<meta>``, then
    detection) for HTML responses, else None. ``capture_id`` is the catalogue id a capture
    middleware put in ``response.meta["archiver_capture_id"]``, if one ran.
    ``discovered_via`` says how a crawl found the page (``sitemap``, ``feed``, ``link``,
    ``list``) and ``listing`` what the sitemap or feed said about it (title, dates).
    ``headers`` are the response's headers (one string each) for HTML responses, else empty.
    """

    url: str
    requested_url: str
    status: int
    content_type: str | None
    html: str | None = None
    capture_id: int | None = None
    article_id: int | None = None
    discovered_via: str | None = None
    listing: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
