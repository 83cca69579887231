"""Spider middleware: archive a spider's decision that a page is not an article.

A link-following spider (``--site``) archives every page it fetches and hands on as articles
only those that look like articles; on a section or home page its callback sets
``response.meta["archiver_page_kind"] = "index"`` (:data:`spiders.pages.PAGE_KIND_KEY`). Once
the callback's output has been passed on, this middleware writes that decision to the WARC
(a ``urn:pagekind:`` metadata record referring to the page's response record; see
:mod:`storage.page_kind`), so that ``archiver reindex`` does not make an article of the page.
A page read back from the archive for its links only (already decided when it was fetched)
writes nothing. The write runs on the archive session's catalogue thread; a failure is logged
and counted (``archiver/page_kind/error``), never fatal.

Settings: ``ARCHIVER_PAGE_KIND_ENABLED`` (default True; also off when ``ARCHIVER_WARC_ENABLED``
is off).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from archiver.crawler.capture.session import archive_session
from spiders.pages import PAGE_KIND_KEY
from storage import Archive
from storage.page_kind import record_page_kind

__all__ = ["PageKindMiddleware"]

log = logging.getLogger(__name__)


class PageKindMiddleware:
    """Writes the page-kind record of each page a spider judged not to be an article."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageKindMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_PAGE_KIND_ENABLED", True):
            raise NotConfigured("ARCHIVER_PAGE_KIND_ENABLED is off")
        if not settings.getbool("ARCHIVER_WARC_ENABLED", True):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is off: nothing is archived")
        return cls(crawler)

    async def process_spider_output(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """Pass the callback's output on, then record the page's kind if the callback set one."""
        async for item in result:
            yield item
        kind = response.meta.get(PAGE_KIND_KEY)
        capture_id = response.meta.get("archiver_capture_id")
        if not kind or not capture_id:  # no decision, or a page read back for its links (decided then)
            return
        session = archive_session(self.crawler)
        try:
            await session.call(self._record, session.archive, capture_id, kind)
        except Exception:  # the page is archived: losing its kind must not stop the crawl
            log.exception("could not record the page kind of capture %s", capture_id)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("archiver/page_kind/error")

    @staticmethod
    def _record(archive: Archive, capture_id: int, kind: str) -> None:
        capture = archive.catalogue.get_capture(capture_id)
        if capture is None or not capture.record_id or capture.record_type != "response":
            return  # a revisit shares its original's record, which carries the decision
        record_page_kind(archive.writer, page_url=capture.url, page_record_id=capture.record_id, kind=kind)
