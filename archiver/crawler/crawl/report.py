"""Extension: a crawl run's counts, kept in the run's row as the crawl goes, and progress events.

Counts (keys of the run's ``stats["counts"]``):

- ``pages``: page responses fetched (every status; not robots.txt, sitemaps or feeds, which are
  ``discovery``), ``revisits`` among them (unchanged payload, or a 304), ``errors`` (status 400
  and up, or no response at all), ``skipped`` (already archived, not fetched), ``robots`` (not
  fetched: robots.txt forbids them);
- ``articles``: articles catalogued, ``new_articles`` among them (URLs not archived before);
- ``bytes``: bytes received, as they came off the wire (discovery included).

They are written to the catalogue every ``ARCHIVER_CRAWL_FLUSH_INTERVAL`` seconds (default 5), so
a crawl killed outright still leaves recent counts, and when the spider closes. The report sends
the crawler's signals ``crawl_page(event)`` per page and ``crawl_progress(counts)`` twice a
second, when something is connected to them (the CLI's progress bar or JSON lines, through
``run_crawler_process(observer=...)``). Observers are not put in the settings: Scrapy copies
settings, and a live progress bar cannot be copied.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spiders import Spider
from twisted.internet import task, threads

from archiver.crawler.browser.routing import is_browser_request
from archiver.crawler.capture.middleware import RECORD_TYPE_KEY
from archiver.crawler.capture.session import archive_session
from archiver.crawler.crawl.incremental import PREVIOUSLY_ARCHIVED_KEY
from spiders.pages import LISTING_KEY, REPLAYED_KEY, is_discovery
from storage import DiskFullError

__all__ = ["COUNT_KEYS", "CrawlObserver", "CrawlReport", "RECORD_TYPE_KEY", "crawl_page", "crawl_progress"]

log = logging.getLogger(__name__)

COUNT_KEYS = ("pages", "articles", "new_articles", "revisits", "errors", "skipped", "robots", "discovery", "bytes")


class CrawlObserver(Protocol):
    """Receives what a crawl does, as it happens (on the reactor thread: return quickly)."""

    def page(self, event: dict[str, Any]) -> None:
        """One page was fetched (``event`` ``page``) or catalogued as an article (``event`` ``article``)."""

    def progress(self, counts: dict[str, Any]) -> None:
        """The counts so far, with ``elapsed`` seconds."""


#: Signals the report sends on the crawler's signal manager: ``crawl_page(event)`` for each page
#: fetched or article catalogued, ``crawl_progress(counts)`` twice a second. Connect a
#: :class:`CrawlObserver`'s methods to them (the runner does: ``run_crawler_process(observer=...)``).
crawl_page = object()
crawl_progress = object()


def _observed(crawler: Crawler) -> bool:
    from pydispatch import dispatcher

    return any(True for signal in (crawl_page, crawl_progress)
               for _ in dispatcher.getAllReceivers(sender=crawler.signals.sender, signal=signal))


class _Signals:
    """A :class:`CrawlObserver` that passes each event on as the crawler's signal."""

    def __init__(self, crawler: Crawler) -> None:
        self.signals = crawler.signals

    def page(self, event: dict[str, Any]) -> None:
        self.signals.send_catch_log(signal=crawl_page, event=event)

    def progress(self, counts: dict[str, Any]) -> None:
        self.signals.send_catch_log(signal=crawl_progress, counts=counts)


class CrawlReport:
    """Counts pages, articles, revisits, errors; persists them into the run's row."""

    def __init__(self, crawler: Crawler, flush_interval: float) -> None:
        self.crawler = crawler
        self.observer = _Signals(crawler) if _observed(crawler) else None
        self.flush_interval = flush_interval
        self.counts: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
        self.started = time.monotonic()
        self._loops: list[task.LoopingCall] = []
        self._last_flush = 0.0
        self._writing = False
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        if not crawler.settings.getbool("ARCHIVER_CRAWL_REPORT_ENABLED", False):
            raise NotConfigured("ARCHIVER_CRAWL_REPORT_ENABLED is off")
        return cls(crawler, crawler.settings.getfloat("ARCHIVER_CRAWL_FLUSH_INTERVAL", 5.0))

    # ------------------------------------------------------------------ signals
    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        if self.observer is not None:
            loop = task.LoopingCall(self._tick)
            loop.start(0.5, now=False)
            self._loops.append(loop)
        if self.flush_interval > 0:
            loop = task.LoopingCall(self._flush)
            loop.start(self.flush_interval, now=False)
            self._loops.append(loop)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        meta = request.meta
        if is_discovery(request):
            self.counts["discovery"] += 1
            return
        if meta.get(REPLAYED_KEY) or is_browser_request(request):
            return  # a rendered page's own requests are not pages
        self.counts["pages"] += 1
        record_type = meta.get(RECORD_TYPE_KEY)
        if record_type == "revisit":
            self.counts["revisits"] += 1
        if response.status >= 400:
            self.counts["errors"] += 1
        if self.observer is not None:
            event = {"event": "page", "url": response.url, "status": response.status,
                     "capture_id": meta.get("archiver_capture_id"), "record_type": record_type}
            if meta.get(LISTING_KEY):
                event["listing"] = meta[LISTING_KEY]  # what the sitemap or feed said about the page
            self.observer.page(event)

    def item_scraped(self, item: Any, response: Response, spider: Spider) -> None:
        adapter = ItemAdapter(item)
        article_id = adapter.get("article_id")
        if not article_id:
            return
        self.counts["articles"] += 1
        if not response.meta.get(PREVIOUSLY_ARCHIVED_KEY):
            self.counts["new_articles"] += 1
        if self.observer is not None:
            self.observer.page({"event": "article", "url": adapter.get("url"), "article_id": article_id,
                                "capture_id": adapter.get("capture_id")})

    def spider_closed(self, spider: Spider, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._tick()
        # Synchronously: the archive session closes right after this handler.
        self._write(self.snapshot())

    # ------------------------------------------------------------------ internals
    def snapshot(self) -> dict[str, Any]:
        """The counts so far (failures and skips read from the crawler's stats)."""
        stats = self.crawler.stats
        counts = dict(self.counts)
        if stats is not None:
            counts["errors"] += stats.get_value("archiver/crawl/failed", 0)
            counts["skipped"] = (stats.get_value("archiver/crawl/skipped_recent", 0)
                                 + stats.get_value("archiver/crawl/skipped_resumed", 0))
            counts["bytes"] = stats.get_value("downloader/response_bytes", 0)
            counts["robots"] = stats.get_value("robotstxt/forbidden", 0)
        return counts

    def _tick(self) -> None:
        if self.observer is not None:
            self.observer.progress({**self.snapshot(), "elapsed": time.monotonic() - self.started})

    def _flush(self) -> None:
        # One write at a time: while the catalogue is busy, later ticks do not queue stale
        # snapshots behind it; the next tick after it finishes saves the newest counts.
        if self._writing:
            return
        self._writing = True
        deferred = threads.deferToThread(self._write, self.snapshot())
        deferred.addErrback(
            lambda failure: log.warning("could not save the crawl's counts: %s", failure.getErrorMessage()))
        deferred.addBoth(self._written)

    def _written(self, _result: Any) -> None:
        self._writing = False

    def _write(self, counts: dict[str, Any]) -> None:
        session = archive_session(self.crawler)
        try:
            session.archive.catalogue.merge_run_stats(session.run_id, {"counts": counts})
        except DiskFullError as exc:  # the command says it, once
            log.info("could not save the crawl's counts: %s", exc)
