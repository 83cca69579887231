"""The ``sitemap`` spider: every page a site's sitemaps list.

    scrapy crawl sitemap -a url=https://news.example/robots.txt -a since=2024-05-01
    scrapy crawl sitemap -a url=https://news.example/sitemap_index.xml

Starts from a sitemap, a sitemap index or a robots.txt (its ``Sitemap:`` lines). Sitemaps may
be gzipped (``.xml.gz``) and nest through indexes. Google News fields (``news:title``,
``news:publication_date``) travel with each page request. With ``since``, pages (and child
sitemaps) whose ``lastmod`` and publication date are both older are skipped. robots.txt and
every sitemap are fetched through Scrapy's downloader, so they are archived too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from spiders.base import DiscoverySpider, iso
from spiders.pages import discovery_request, page_request
from spiders.sitemaps import parse_sitemap, sitemap_body, sitemap_urls_from_robots
from spiders.urls import url_target

__all__ = ["SitemapSpider"]

#: At most this many sitemap files are read in one crawl (a guard against index loops).
MAX_SITEMAPS = 50_000


class SitemapSpider(DiscoverySpider):
    """Reads robots.txt / sitemap indexes / sitemaps and requests every listed page."""

    name = "sitemap"
    discovered_via = "sitemap"
    target = url_target("--sitemap", "A sitemap, sitemap index or robots.txt URL.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sitemaps_seen: set[str] = set()

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if urlsplit(self.url).path.rstrip("/").endswith("/robots.txt"):
            yield discovery_request(self.url, self.parse_robots, errback=self.failed)
        else:
            request = self._sitemap_request(self.url)
            if request is not None:
                yield request

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        """Follow every ``Sitemap:`` line of a robots.txt."""
        found = list(sitemap_urls_from_robots(response.body, base_url=response.url))
        if not found:
            self.logger.warning("%s lists no Sitemap: lines", response.url)
        for url in found:
            request = self._sitemap_request(url)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        """Follow child sitemaps of an index; request the pages of a urlset."""
        try:
            xml = sitemap_body(response.body)
        except OSError as exc:  # bad gzip, or over the size limit
            self.logger.warning("cannot read sitemap %s: %s", response.url, exc)
            return
        listed = 0
        for entry in parse_sitemap(xml):
            url = response.urljoin(entry.loc)
            if entry.is_sitemap:
                if self.since is None or entry.lastmod is None or entry.lastmod >= self.since:
                    request = self._sitemap_request(url)
                    if request is not None:
                        yield request
                continue
            if not self.wanted(url, entry.newest):
                continue
            listed += 1
            listing = {"title": entry.title, "published": iso(entry.published), "lastmod": iso(entry.lastmod),
                       "source": response.url}
            yield page_request(url, self.parse_page, errback=self.failed,
                               listing={k: v for k, v in listing.items() if v})
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("archiver/sitemap/pages_listed", listed)

    def _sitemap_request(self, url: str) -> scrapy.Request | None:
        if url in self._sitemaps_seen or len(self._sitemaps_seen) >= MAX_SITEMAPS:
            return None
        self._sitemaps_seen.add(url)
        return discovery_request(url, self.parse_sitemap, errback=self.failed)
