"""The base of the discovery spiders: one start URL, typed arguments, shared callbacks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure

from spiders.items import Page
from spiders.pages import page_from_response, wants_item
from spiders.params import ALLOW, DENY, SINCE, Param
from spiders.urls import validate_url

__all__ = ["DiscoverySpider"]


class DiscoverySpider(scrapy.Spider):
    """A spider that starts from one URL and finds pages from it.

    Arguments (strings from ``-a`` or typed values): ``url`` (required), ``since`` (a date:
    only pages dated at or after it, where the source gives a date), ``allow`` / ``deny``
    (regular expressions, one per line or a list: which page URLs to keep).
    """

    #: How pages found by this spider are labelled in Page.discovered_via.
    discovered_via = "link"
    #: The start URL as ``archiver crawl`` takes it (``--sitemap URL``): see :func:`spiders.urls.url_target`.
    target: Param
    target_is_file = False
    #: The arguments this spider takes besides its target (see :mod:`spiders.registry`).
    params: tuple[Param, ...] = (SINCE, ALLOW, DENY)

    def __init__(self, url: str | None = None, since: str | datetime | None = None,
                 allow: str | Iterable[str] | None = None, deny: str | Iterable[str] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not url:
            raise ValueError(f"the {self.name} spider needs url=...")
        self.url = validate_url(url)
        self.since = SINCE.read(since)
        self.allow = ALLOW.read(allow)
        self.deny = DENY.read(deny)

    def wanted(self, url: str, date: datetime | None = None) -> bool:
        """True when a listed page passes the allow/deny patterns and the ``since`` cut-off.

        A page the source gives no date for is kept: nothing says it is old.
        """
        if self.since is not None and date is not None and date < self.since:
            return False
        return self._matches(url)

    def _matches(self, url: str) -> bool:
        if self.allow and not any(p.search(url) for p in self.allow):
            return False
        return not any(p.search(url) for p in self.deny)

    def parse_page(self, response: Response) -> Iterator[Page]:
        """Hand a fetched page to the pipelines (a page read back from the archive only if it names its capture)."""
        if wants_item(response):
            yield page_from_response(response, discovered_via=self.discovered_via)

    def failed(self, failure: Failure) -> None:
        """Log a request that got no response (the capture middleware has recorded it)."""
        request = getattr(failure, "request", None)
        if failure.check(IgnoreRequest):  # robots.txt, already archived, --max-pages: not an error
            self.logger.debug("not fetched: %s", failure.getErrorMessage())
            return
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("archiver/crawl/failed")
        self.logger.info("could not fetch %s: %s", getattr(request, "url", "?"), failure.getErrorMessage())


def iso(value: datetime | None) -> str | None:
    """A datetime as ISO 8601 text, or None."""
    return value.isoformat() if value is not None else None


