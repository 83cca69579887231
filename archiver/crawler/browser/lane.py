"""Item pipeline that sends pages needing JavaScript to the browser and keeps what it rendered.

Enable it after the extraction pipeline (it looks at the article the static HTML gave)::

    ITEM_PIPELINES = {"archiver.crawler.browser.lane.BrowserLanePipeline": 350}
    ARCHIVER_BROWSER = "auto"        # never | auto | always

A 2xx HTML page capture goes to the browser when ``ARCHIVER_BROWSER`` is ``always``; in ``auto``
when its host is listed in ``ARCHIVER_BROWSER_SITES``, or when the static capture gave no article
(none, or under ``ARCHIVER_BROWSER_MIN_WORDS`` words) and the static HTML looks script-built
(:func:`archiver.extraction.scripted.scripted_signs`). The page is loaded in Chromium
(:mod:`.renderer`), its document answered from the static capture and every other request
fetched through this crawler's downloader (:mod:`.routing`: archived, polite, guarded). Then:

- the DOM after scripts (kind ``dom``) and a full-page PNG (kind ``fullPage``) are written as
  WARC ``resource`` records referring to the page's response record, with their catalogue rows
  (:func:`storage.renderings.record_rendering`, source ``browser``);
- when the static HTML gave no article, the rendered DOM is extracted, and the capture's article
  (replaced when the static one was too short) says ``browser`` in its ``field_sources``.

A page the browser fails on (time limit ``ARCHIVER_BROWSER_PAGE_TIMEOUT``, a crash, a hang) keeps
its static capture, gets the capture flag ``browser_error`` and counts in
``archiver/browser/errors``; the browser is replaced and the crawl goes on. ``ARCHIVER_BROWSER_PAGES``
pages render at once, in one browser per process started on the first page that needs it
(``ARCHIVER_BROWSER_EXECUTABLE``, else ``chromium`` on PATH; V8's heap capped at
``ARCHIVER_BROWSER_MEMORY_MB``). Without Chromium the lane is off with one warning.

Stats: ``archiver/browser/pages``, ``.../articles``, ``.../errors``, ``.../requests``, ``.../refused``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver.crawler.browser.chromium import find_chromium
from archiver.crawler.browser.modes import MODES
from archiver.crawler.browser.renderer import Rendered, Renderer, RenderError
from archiver.crawler.browser.routing import MainDocument, ScrapyRouter
from archiver.crawler.capture.session import archive_session
from archiver.crawler.pipelines import article_data
from archiver.extraction import extract
from archiver.extraction.blocking import BLOCKED, detect_blocked
from archiver.extraction.charset import decode_html
from archiver.extraction.scripted import scripted_signs
from storage import StorageError
from storage.article_update import replace_article
from storage.flags import not_an_article, record_capture_flags
from storage.renderings import record_rendering
from storage.requisites import PageRef
from storage.warc.reader import decode_payload

__all__ = ["BROWSER_ERROR_FLAG", "BrowserLanePipeline", "LaneSettings"]

log = logging.getLogger(__name__)

#: The capture flag of a page the browser failed on.
BROWSER_ERROR_FLAG = "browser_error"


@dataclass(frozen=True)
class LaneSettings:
    """The lane's settings, read once."""

    mode: str
    sites: tuple[str, ...]
    pages: int
    timeout: float
    memory_mb: int
    min_words: int
    executable: str | None

    @classmethod
    def from_settings(cls, settings: Any) -> LaneSettings:
        mode = (settings.get("ARCHIVER_BROWSER") or "never").strip().lower()
        if mode not in MODES:
            raise NotConfigured(f"ARCHIVER_BROWSER must be one of {', '.join(MODES)}, not {mode!r}")
        sites = settings.get("ARCHIVER_BROWSER_SITES") or ""
        if isinstance(sites, str):
            sites = sites.replace(";", ",").split(",")
        return cls(mode=mode, sites=tuple(s.strip().lower().lstrip(".") for s in sites if s and s.strip()),
                   pages=max(settings.getint("ARCHIVER_BROWSER_PAGES", 2), 1),
                   timeout=max(settings.getfloat("ARCHIVER_BROWSER_PAGE_TIMEOUT", 60.0), 1.0),
                   memory_mb=max(settings.getint("ARCHIVER_BROWSER_MEMORY_MB", 1024), 0),
                   min_words=max(settings.getint("ARCHIVER_BROWSER_MIN_WORDS", 80), 0),
                   executable=settings.get("ARCHIVER_BROWSER_EXECUTABLE") or None)

    def listed(self, url: str) -> bool:
        """True when ``url``'s host is one of ``sites`` (or under one)."""
        host = (urlsplit(url).hostname or "").lower()
        return any(host == site or host.endswith("." + site) for site in self.sites)


class BrowserLanePipeline:
    """Renders the pages that need a browser and keeps the DOM, the screenshot and their article."""

    def __init__(self, crawler: Crawler, settings: LaneSettings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.session = archive_session(crawler)
        self.extract_enabled = crawler.settings.getbool("ARCHIVER_EXTRACT_ENABLED", True)
        self.renderer = Renderer(executable=settings.executable, pages=settings.pages,
                                 memory_mb=settings.memory_mb, user_agent=crawler.settings.get("USER_AGENT"))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserLanePipeline:
        settings = LaneSettings.from_settings(crawler.settings)
        if settings.mode == "never":
            raise NotConfigured  # the default of crawls: no reason, or Scrapy would say so on every crawl
        if find_chromium(settings.executable) is None:
            log.warning("no Chromium for the browser lane (apt-get install chromium): pages are archived "
                        "statically only")
            raise NotConfigured("no Chromium")
        return cls(crawler, settings)

    async def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        capture_id = adapter.get("capture_id")
        status = adapter.get("status") or 0
        if not capture_id or not 200 <= status < 300 or "html" not in (adapter.get("content_type") or "html"):
            return item
        capture = await self.session.call(self.session.archive.catalogue.get_capture, capture_id)
        if capture is None or capture.record_id is None or not_an_article(capture.flags):
            return item  # a bot wall is flagged by the static lane already: rendering it keeps nothing more
        article = capture.article
        needs_article = article is None or (article.word_count or 0) < self.settings.min_words
        document = None
        reason = self._forced_reason(capture.url)
        if reason is None:
            if not needs_article:
                return item
            document = await self.session.call(self._document, capture)
            if document is None:
                return item
            signs = scripted_signs(_text(document))
            if not signs.fires:
                return item
            reason = "script-built (" + ", ".join(signs.signs) + ")"
        if document is None:
            document = await self.session.call(self._document, capture)
        log.info("rendering %s in the browser: %s", capture.url, reason)
        router = ScrapyRouter(self.crawler, page_id=capture.id, page_url=capture.url, document=document)
        try:
            rendered = await self.renderer.render(router, capture.url, timeout=self.settings.timeout)
        except RenderError as error:
            await self._failed(capture, str(error))
            return item
        finally:
            self._count("requests", len(router.fetched))
            self._count("refused", router.failed)
        self._count("pages")
        await self._keep(adapter, capture, rendered, extract_article=needs_article)
        return item

    async def close_spider(self) -> None:
        await self.renderer.close()

    # ------------------------------------------------------------------ internals
    def _forced_reason(self, url: str) -> str | None:
        if self.settings.mode == "always":
            return "ARCHIVER_BROWSER is always"
        if self.settings.listed(url):
            return "listed in ARCHIVER_BROWSER_SITES"
        return None

    def _document(self, capture: Any) -> MainDocument | None:
        """The page's archived document (its original's, for a revisit), to answer the browser with."""
        archive = self.session.archive
        source = capture
        try:
            if capture.record_type == "revisit" and capture.revisit_of_id is not None:
                source = archive.catalogue.get_capture(capture.revisit_of_id) or capture
            record = archive.read(source)
            body = decode_payload(record)
        except (StorageError, LookupError, OSError) as error:
            log.warning("cannot read back the archived page %s for the browser: %s", capture.url, error)
            return None
        content_type = capture.content_type or "text/html"
        return MainDocument(url=capture.url, status=capture.status or 200,
                            headers={"Content-Type": content_type}, body=body)

    async def _keep(self, adapter: ItemAdapter, capture: Any, rendered: Rendered, *, extract_article: bool) -> None:
        page = PageRef(capture_id=capture.id, url=capture.url, record_id=capture.record_id)
        try:
            await self.session.call(self._record_renderings, page, rendered)
        except StorageError:
            log.exception("could not archive what the browser rendered of %s", capture.url)
            return
        if not extract_article or not self.extract_enabled:
            return
        sign = await asyncio.to_thread(detect_blocked, capture.status or 200, None, rendered.dom)
        if sign is not None:  # no article in the static HTML, a bot wall in the browser: the page is blocked
            log.info("browser lane: %s is a bot wall in the browser: %s", capture.url, sign.reason)
            self._count("blocked")
            await self.session.call(self._flag, capture, [BLOCKED], sign.reason)
            return
        result = await asyncio.to_thread(extract, rendered.dom, capture.url)
        if result.is_empty or not result.text:
            log.info("the browser's rendering of %s holds no article either", capture.url)
            return
        result = dataclasses.replace(result, sources={name: "browser" for name in result.sources} | {"text": "browser"})
        data = article_data(result, adapter.get("listing"))
        article = await self.session.call(self._replace_article, capture, data)
        self._count("articles")
        if "article_id" in adapter.field_names():
            adapter["article_id"] = article.id

    def _record_renderings(self, page: PageRef, rendered: Rendered) -> None:
        archive = self.session.archive
        record_rendering(archive.writer, archive.db, page, "dom", rendered.dom.encode("utf-8"), source="browser")
        record_rendering(archive.writer, archive.db, page, "fullPage", rendered.screenshot, source="browser")

    def _flag(self, capture: Any, flags: list[str], reason: str) -> None:
        # The urn:flags: record first (the evidence reindex restores the flag from), then the flag.
        record_capture_flags(self.session.archive, capture, flags, reason)

    def _replace_article(self, capture: Any, data: Any) -> Any:
        return replace_article(self.session.archive, capture, data)

    async def _failed(self, capture: Any, error: str) -> None:
        log.warning("browser lane: %s not rendered: %s (the static capture is kept)", capture.url, error)
        self._count("errors")
        try:
            await self.session.call(self._flag, capture, [BROWSER_ERROR_FLAG], error)
        except (StorageError, LookupError, ValueError):
            log.exception("could not flag capture %s", capture.id)

    def _count(self, key: str, value: int = 1) -> None:
        if self.crawler.stats is not None and value:
            self.crawler.stats.inc_value(f"archiver/browser/{key}", value)


def _text(document: MainDocument) -> str:
    text, _encoding = decode_html(document.body, document.headers.get("Content-Type"))
    return text
