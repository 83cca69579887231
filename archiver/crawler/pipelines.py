"""Item pipeline that extracts the article from each archived HTML page.

Extraction (CPU-bound) runs in a process pool, off the reactor thread. The result is written
to WARC as a ``conversion`` record (the text) and a ``metadata`` record (the fields), both
referring to the response record, and then to the catalogue's ``articles`` table, with what the
sitemap or feed said about the page (the item's ``listing``), which also fills the fields the page
does not give. A revisit (identical payload) gets a copy of the original's article without
extracting again, waiting for it when the original is still being extracted. A page that is a
bot wall or challenge page (:mod:`archiver.extraction.blocking`, any status but a redirect) is
not an article: the capture is flagged ``blocked`` through a ``urn:flags:`` WARC record
(:func:`storage.flags.record_capture_flags`), and the stat ``archiver/blocked`` counts it.

Settings: ``ARCHIVER_EXTRACT_ENABLED`` (default True), ``ARCHIVER_EXTRACT_WORKERS`` (processes;
0 extracts in a thread instead), ``ARCHIVER_EXTRACT_TIMEOUT`` (seconds one page may take,
default 60, 0 for no limit: past it the workers are replaced, the capture keeps no article, and
the stat ``archiver/extract_timeout`` and a warning say so). Needs the asyncio reactor
(Scrapy's default).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import fields
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.core.cleantext import clean_data
from archiver.crawler.capture.session import archive_session
from archiver.crawler.extraction_pool import WORKER_PRELOAD
from archiver.crawler.workers import WorkerPool, WorkTimeout
from archiver.extraction import ExtractionResult
from archiver.extraction.blocking import BLOCKED
from archiver.extraction.reading import read_page
from storage import ArticleData, DiskFullError
from storage.flags import record_capture_flags

__all__ = ["RESULT_TO_ARTICLE", "ExtractionPipeline", "article_data"]

#: The :class:`ExtractionResult` fields whose :class:`ArticleData` field has another name; every
#: other field of the result goes to the field of the same name (a test checks they all exist).
RESULT_TO_ARTICLE = {"sources": "field_sources"}

log = logging.getLogger(__name__)


def article_data(result: ExtractionResult, listing: dict[str, Any] | None = None) -> ArticleData:
    """The catalogue's view of an extraction result, and of the sitemap or feed ``listing`` of the page.

    The listing is kept as it is, and fills the title, publication date, authors and
    description when the page itself gives none (their source is then ``listing``).
    """
    listing = dict(listing or {})
    values = {RESULT_TO_ARTICLE.get(f.name, f.name): getattr(result, f.name) for f in fields(result)}
    values = {name: list(value) if isinstance(value, tuple) else value for name, value in values.items()}
    sources = values["field_sources"] = dict(values["field_sources"])
    fallbacks = {"title": listing.get("title"), "authors": list(listing.get("authors") or []),
                 "published": listing.get("published") or listing.get("updated"), "description": listing.get("summary")}
    for name, value in fallbacks.items():
        if not values[name] and value:
            values[name] = value
            sources[name] = "listing"
    # A page's JSON-LD can hold lone surrogates ("\\ud83d"): no UTF-8 output could carry them.
    return ArticleData(**clean_data(values), listing=clean_data(listing))


class ExtractionPipeline:
    """Extracts text and metadata from archived HTML and catalogues them as an article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.workers = crawler.settings.getint("ARCHIVER_EXTRACT_WORKERS", 2)
        self.timeout = crawler.settings.getfloat("ARCHIVER_EXTRACT_TIMEOUT", 60.0)
        self.session = archive_session(crawler)
        self._pool = WorkerPool(self.workers, timeout=self.timeout, preload=WORKER_PRELOAD)
        # Captures whose article is being extracted now: a revisit of one of them waits for that
        # article and copies it, instead of extracting the same bytes again.
        self._in_flight: dict[int, asyncio.Future[None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        if not crawler.settings.getbool("ARCHIVER_EXTRACT_ENABLED", True):
            raise NotConfigured("ARCHIVER_EXTRACT_ENABLED is off")
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        capture_id = adapter.get("capture_id")
        if not capture_id or capture_id in self._in_flight:
            return item
        # Registered before the first await, so a revisit of this capture that comes along while
        # any of the work below is under way finds it and waits.
        done = self._in_flight[capture_id] = asyncio.get_running_loop().create_future()
        try:
            return await self._process(adapter, capture_id)
        except DiskFullError:
            return item  # the crawl is stopping (see ArchiveSession.call); the capture has no article
        finally:
            del self._in_flight[capture_id]
            done.set_result(None)

    async def _process(self, adapter: ItemAdapter, capture_id: int) -> Any:
        item = adapter.item
        html = adapter.get("html")
        archive = self.session.archive
        capture = self.session.recall(capture_id) or await self.session.call(self._capture, capture_id)
        if capture is None:
            return item
        if capture.revisit_of_id is not None:
            original = self._in_flight.get(capture.revisit_of_id)
            if original is not None:
                await asyncio.shield(original)
            article = await self.session.call(archive.copy_article, capture.revisit_of_id, capture)
            if article is not None:
                return self._done(adapter, article.id)
        if not html or 300 <= (capture.status or 0) < 400:
            return item  # redirects are archived, but they are neither articles nor bot walls
        return await self._extract(adapter, capture, html)

    async def _extract(self, adapter: ItemAdapter, capture: Any, html: str) -> Any:
        """Flag ``capture`` if ``html`` is a bot wall; else extract its article (2xx pages) and catalogue it."""
        item = adapter.item
        archive = self.session.archive
        try:
            reading = await self._pool.run(read_page, html, capture.url, capture.status or 0, adapter.get("headers"))
        except WorkTimeout:
            log.warning("gave up extracting %s after %g s (ARCHIVER_EXTRACT_TIMEOUT): the capture keeps no "
                        "article; extraction workers restarted", capture.url, self.timeout)
            self._count("archiver/extract_timeout")
            return item
        except Exception:  # an extractor bug must not lose the capture, which is already archived
            log.exception("extraction failed for %s", capture.url)
            self._count("archiver/extract_error")
            return item
        if reading.blocked is not None:
            log.warning("%s is a bot wall or challenge page (%s): flagged blocked, not an article", capture.url,
                        reading.blocked.reason)
            await self.session.call(record_capture_flags, archive, capture, [BLOCKED], reading.blocked.reason)
            self._count("archiver/blocked")
            return item
        result = reading.result
        if result is None:
            return item  # error pages are archived, but they are not articles
        data = article_data(result, adapter.get("listing"))
        article = await self.session.call(archive.record_article, capture, data)
        self._count("archiver/articles")
        return self._done(adapter, article.id)

    def open_spider(self) -> None:
        self._pool.start()  # the workers' forkserver loads the extractor while robots.txt and sitemaps are fetched

    def close_spider(self) -> None:
        self._pool.close()

    # ------------------------------------------------------------------ internals
    def _capture(self, capture_id: int):  # noqa: ANN202 - ORM object
        return self.session.archive.catalogue.get_capture(capture_id)

    @staticmethod
    def _done(adapter: ItemAdapter, article_id: int) -> Any:
        if "article_id" in adapter.field_names():
            adapter["article_id"] = article_id
        if "html" in adapter.field_names():
            adapter["html"] = None  # the page is archived; don't keep it in memory
        return adapter.item

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
