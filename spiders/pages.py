"""What every spider shares: the request meta keys the archiver's middlewares read, and Page items.

Meta keys (read by ``archiver.crawler.crawl`` components, harmless without them):

- ``archiver_discovery``: the request fetches a robots.txt, sitemap or feed: always fetched,
  never counted as a page or skipped as recently archived.
- ``archiver_need_body``: when this page is skipped as already archived, hand the archived
  response to the callback instead (a link-following spider still needs its links).
- ``archiver_listing``: what the sitemap or feed said about the page (title, dates).
- ``archiver_replayed``: set on a response read back from the archive instead of fetched.
  With ``archiver_capture_id`` also set, that capture still needs its article extracted.
- ``archiver_page_kind``: set by a spider's callback on a response it judged not to be an
  article (``index``: a section or home page, followed for its links), so that the decision is
  archived with the page (``archiver.crawler.page_kind``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from spiders.items import Page

__all__ = ["DISCOVERY_KEY", "INDEX_PAGE", "LISTING_KEY", "NEED_BODY_KEY", "PAGE_KIND_KEY", "REPLAYED_KEY",
           "discovery_request", "is_discovery", "is_html", "page_from_response", "page_request", "wants_item"]

DISCOVERY_KEY = "archiver_discovery"
NEED_BODY_KEY = "archiver_need_body"
LISTING_KEY = "archiver_listing"
REPLAYED_KEY = "archiver_replayed"
PAGE_KIND_KEY = "archiver_page_kind"
#: The ``archiver_page_kind`` of a page followed for its links that is not an article.
INDEX_PAGE = "index"
HTML_TYPES = ("text/html", "application/xhtml+xml")


def content_type_of(response: Response) -> str | None:
    """The response's Content-Type header as text."""
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


def is_html(response: Response) -> bool:
    """True for a decoded HTML (or XHTML) response; no Content-Type counts as HTML."""
    content_type = (content_type_of(response) or "text/html").lower()
    return isinstance(response, TextResponse) and any(kind in content_type for kind in HTML_TYPES)


def wants_item(response: Response) -> bool:
    """True unless the response was read back from the archive for its links only.

    A replayed response that carries a capture id is a page whose article was never extracted
    (a crawl killed in between): it is handed to the pipelines again.
    """
    return not response.meta.get(REPLAYED_KEY) or bool(response.meta.get("archiver_capture_id"))


def page_from_response(response: Response, *, discovered_via: str | None = None) -> Page:
    """The Page item for a fetched response (``html`` only for HTML)."""
    chain = response.meta.get("redirect_urls")
    html = is_html(response)
    return Page(
        url=response.url,
        requested_url=chain[0] if chain else response.url,
        status=response.status,
        content_type=content_type_of(response),
        html=response.text if html else None,
        capture_id=response.meta.get("archiver_capture_id"),
        discovered_via=discovered_via,
        listing=dict(response.meta.get(LISTING_KEY) or {}),
        headers=dict(response.headers.to_unicode_dict()) if html else {},
    )


def is_discovery(request: scrapy.Request) -> bool:
    """True for a robots.txt, sitemap or feed request (Scrapy's own robots.txt fetch included)."""
    return bool(request.meta.get(DISCOVERY_KEY)) or urlsplit(request.url).path == "/robots.txt"


def discovery_request(url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
    """A request for a robots.txt, sitemap or feed: never deduplicated, always fetched."""
    meta = {DISCOVERY_KEY: True, **kwargs.pop("meta", {})}
    return scrapy.Request(url, callback=callback, meta=meta, dont_filter=True, **kwargs)


def page_request(url: str, callback: Any, *, listing: dict[str, Any] | None = None, need_body: bool = False,
                 **kwargs: Any) -> scrapy.Request:
    """A request for a page that may be an article."""
    meta = dict(kwargs.pop("meta", {}))
    if listing:
        meta[LISTING_KEY] = listing
    if need_body:
        meta[NEED_BODY_KEY] = True
    return scrapy.Request(url, callback=callback, meta=meta, **kwargs)
