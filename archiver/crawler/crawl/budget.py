"""Downloader middleware: stop a crawl cleanly after ``ARCHIVER_MAX_PAGES`` pages.

A page is one page request sent to a site (its redirect hops and retries included), not
robots.txt, sitemaps or feeds, not a page requisite (an image, a stylesheet: see
:mod:`archiver.crawler.requisites`), and not a page skipped as already archived. Once the budget is
spent, further page requests are dropped; when the last page sent has come back, the spider
closes with the reason ``max_pages`` (pages in flight are archived and extracted first, and their
requisites fetched, when :mod:`archiver.crawler.requisites` is on).
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import deferred_from_coro

from archiver.crawler.browser.routing import is_browser_request
from archiver.crawler.requisites.middleware import after_requisites, is_requisite
from spiders.pages import is_discovery

__all__ = ["CLOSE_REASON", "PageBudgetMiddleware"]

log = logging.getLogger(__name__)

CLOSE_REASON = "max_pages"
_SENT_KEY = "archiver_budget_sent"
_DONE_KEY = "archiver_budget_done"


class PageBudgetMiddleware:
    """Counts the page requests that go out and closes the spider after the last allowed one."""

    def __init__(self, crawler: Crawler, max_pages: int) -> None:
        self.crawler = crawler
        self.max_pages = max_pages
        self.sent = 0
        self.done = 0
        self._closing = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBudgetMiddleware:
        max_pages = crawler.settings.getint("ARCHIVER_MAX_PAGES", 0)
        if max_pages <= 0:
            raise NotConfigured("no ARCHIVER_MAX_PAGES")
        return cls(crawler, max_pages)

    def process_request(self, request: Request) -> None:
        if is_discovery(request) or is_requisite(request) or is_browser_request(request) or request.meta.get(_SENT_KEY):
            return None
        if self.sent >= self.max_pages:
            raise IgnoreRequest(f"--max-pages {self.max_pages} reached: {request.url}")
        self.sent += 1
        request.meta[_SENT_KEY] = True
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        self._finished(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._finished(request)
        return None

    def _finished(self, request: Request) -> None:
        if not request.meta.get(_SENT_KEY) or request.meta.get(_DONE_KEY):
            return
        request.meta[_DONE_KEY] = True  # a redirect or retry of this page is not counted again
        self.done += 1
        if self.sent >= self.max_pages and self.done >= self.sent and not self._closing:
            self._closing = True
            after_requisites(self.crawler, self._close)  # the last pages' images and stylesheets first

    def _close(self) -> None:
        log.info("%d pages archived (--max-pages): closing the crawl", self.done)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("archiver/crawl/max_pages_reached", self.max_pages)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))
