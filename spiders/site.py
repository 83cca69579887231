"""The ``site`` spider: follow links from a start URL, within scope, and keep the articles.

    scrapy crawl site -a url=https://news.example/ -a max_depth=3 -a deny=/tag/

Links are followed on the start URL's host (``www.`` ignored) up to ``max_depth`` links away
(default :data:`DEFAULT_MAX_DEPTH`), through the ``allow``/``deny`` patterns and the trap guards
of :mod:`spiders.scope`. Every page fetched is archived; only pages that look like articles
(:mod:`spiders.pagekind`) are handed on to be catalogued as articles. Section and index pages
are followed for their links and kept in the WARC, nothing more.

Settings: ``ARCHIVER_CRAWL_PATTERN_CAP`` (index pages of one URL shape before that shape is no
longer followed, default 50), ``ARCHIVER_CRAWL_MAX_QUERY_PARAMS`` (default 3),
``ARCHIVER_CRAWL_MAX_URL_LENGTH`` (default 500).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from spiders.base import DiscoverySpider
from spiders.items import Page
from spiders.pagekind import is_article_page
from spiders.pages import INDEX_PAGE, PAGE_KIND_KEY, is_html, page_from_response, page_request, wants_item
from spiders.params import ALLOW, DENY, Param, SpiderArgumentError, parse_non_negative_int
from spiders.scope import LinkScope
from spiders.urls import url_target

__all__ = ["DEFAULT_MAX_DEPTH", "MAX_DEPTH", "SiteSpider"]

DEFAULT_MAX_DEPTH = 5
MAX_DEPTH = Param(name="max_depth", type=int, default=DEFAULT_MAX_DEPTH, parse=parse_non_negative_int,
                  help=f"links away from the start (default {DEFAULT_MAX_DEPTH}).")


class SiteSpider(DiscoverySpider):
    """Follows links within scope; yields only article pages."""

    name = "site"
    discovered_via = "link"
    target = url_target("--site", "Follow links from this URL (same host).")
    params = (MAX_DEPTH, ALLOW, DENY)

    def __init__(self, *args: Any, max_depth: str | int | None = None, same_host: str | bool = True,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_depth = MAX_DEPTH.read(max_depth)
        if isinstance(same_host, str):
            if same_host.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise SpiderArgumentError(f"same_host: expected true or false, got {same_host!r}")
            same_host = same_host.lower() in ("true", "1", "yes")
        self.scope = LinkScope(self.url, allow=self.allow, deny=self.deny, same_host=bool(same_host))
        self.links = LinkExtractor(unique=True)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SiteSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.scope.pattern_cap = settings.getint("ARCHIVER_CRAWL_PATTERN_CAP", 50)
        spider.scope.max_query_params = settings.getint("ARCHIVER_CRAWL_MAX_QUERY_PARAMS", 3)
        spider.scope.max_url_length = settings.getint("ARCHIVER_CRAWL_MAX_URL_LENGTH", 500)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        start = self.scope.admit(self.url) or self.url
        yield page_request(start, self.parse, errback=self.failed, need_body=True, dont_filter=True)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Page | scrapy.Request]:
        """Yield the page if it is an article, then requests for the in-scope links."""
        if not is_html(response):
            if wants_item(response):
                yield page_from_response(response, discovered_via=self.discovered_via)
            return
        if is_article_page(response.text, response.url):
            if wants_item(response):
                yield page_from_response(response, discovered_via=self.discovered_via)
            self._count("articles_found")
        else:
            response.meta[PAGE_KIND_KEY] = INDEX_PAGE  # archived with the page: a reindex decides the same
            self.scope.note_index(response.url)
            self._count("index_pages")
        if response.meta.get("depth", 0) >= self.max_depth:
            return
        for link in self.links.extract_links(response):
            url = self.scope.admit(link.url)
            if url is not None:
                yield page_request(url, self.parse, errback=self.failed, need_body=True)

    def closed(self, reason: str) -> None:
        """Log what the scope kept out."""
        if self.scope.rejected:
            self.logger.info("links not followed: %s", dict(self.scope.rejected))

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archiver/site/{key}")
