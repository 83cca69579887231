"""The ``feed`` spider: every item of an RSS 2.0 or Atom feed.

    scrapy crawl feed -a url=https://news.example/rss.xml -a since=2024-05-01

Relative links are resolved (``xml:base``, then the feed's URL). Each item's title, dates,
authors and summary travel with its page request. The feed itself is fetched through Scrapy's
downloader, so it is archived too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import scrapy
from scrapy.http import Response

from spiders.base import DiscoverySpider, iso
from spiders.feeds import parse_feed
from spiders.pages import discovery_request, page_request
from spiders.urls import url_target

__all__ = ["FeedSpider"]


class FeedSpider(DiscoverySpider):
    """Reads one feed and requests the page of every item."""

    name = "feed"
    discovered_via = "feed"
    target = url_target("--feed", "An RSS or Atom feed URL.")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield discovery_request(self.url, self.parse_feed, errback=self.failed)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        """Request each wanted item's page."""
        entries = list(parse_feed(response.body, response.url))
        if not entries:
            self.logger.warning("%s has no feed items (not RSS or Atom?)", response.url)
        for entry in entries:
            if not self.wanted(entry.link, entry.newest):
                continue
            listing = {"title": entry.title, "published": iso(entry.published), "updated": iso(entry.updated),
                       "authors": entry.authors, "summary": entry.summary, "source": response.url}
            yield page_request(entry.link, self.parse_page, errback=self.failed,
                               listing={k: v for k, v in listing.items() if v})
