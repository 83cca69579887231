"""Downloader middleware that fetches the page requisites of every archived HTML page.

Enable it in any Scrapy project whose downloader has the capture middleware::

    DOWNLOADER_MIDDLEWARES = {"archiver.crawler.requisites.middleware.RequisitesMiddleware": 540}
    ARCHIVER_REQUISITES_ENABLED = True

At 540 it sees each response after RetryMiddleware (550), RedirectMiddleware (600) and the
capture middleware (880) have: a page's final answer, archived and decompressed. For a 2xx HTML
page that was archived (not one read back from the archive), it finds the page's requisites
(:mod:`archiver.crawler.requisites.discovery`) and schedules a request for each through the
engine, so each goes through the same downloader: same politeness (AutoThrottle, delays,
per-domain concurrency), the same target guard, the same capture middleware (request and
response or revisit records, ``WARC-Truncated`` past a limit). A fetched stylesheet's own
``@import`` and ``url()`` are followed the same way.

A requisite response never reaches the spider (it ends here with ``IgnoreRequest``): no item,
no extraction, no article. Requisite requests carry ``meta["archiver_requisite"]`` (plain data
naming the page capture; no callback, so they survive a Redis frontier), are not deduplicated
by the scheduler (this middleware does it) and are not pages for ``--max-pages`` or the
incremental crawl.

Per page:

- at most ``ARCHIVER_REQUISITES_MAX`` (default 150) requisites are fetched; the others are
  listed as missing (``over ARCHIVER_REQUISITES_MAX``);
- each body is cut at ``ARCHIVER_REQUISITE_MAX_BYTES`` (default 25 MB), kept with
  ``WARC-Truncated: length``;
- a URL this crawl already archived (or is fetching for another page: that fetch is awaited), or
  whose latest capture is younger than
  ``ARCHIVER_RECRAWL_AFTER`` (``--refresh`` does not change that: it is about pages), is not
  fetched again: the page links to that capture (the logo and the site's CSS are stored once, across runs too);
- robots.txt is obeyed for requisites whenever the crawl obeys it (``ROBOTSTXT_OBEY``), unless
  ``ARCHIVER_REQUISITES_OBEY_ROBOTS`` is off.

When the last of a page's requisites is settled (archived, linked, failed or dropped), one WARC
``metadata`` record ``urn:requisites:<page url>`` lists them with their record ids, and the
catalogue gets the page-to-requisite links (:mod:`storage.requisites`). Pages still waiting when
the spider closes are recorded with what they have. A requisite whose page was discovered by
another process (a shared frontier) is recorded on its own, in a record of the same form.

Stats: ``archiver/requisites/scheduled``, ``.../archived``, ``.../linked`` (not fetched again),
``.../failed``, ``.../dropped``, ``.../pages``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response, TextResponse

from archiver.core.durations import parse_duration
from archiver.crawler.browser.routing import is_browser_request
from archiver.crawler.capture.exchange import requested_url
from archiver.crawler.capture.limits import MAX_BODY_SIZE_KEY
from archiver.crawler.capture.middleware import CAPTURE_ID_KEY, FAILURE_ID_KEY, RECORD_ID_KEY
from archiver.crawler.capture.session import archive_session
from archiver.crawler.requisites.discovery import STYLESHEET, Requisite, css_requisites, html_requisites
from spiders.pages import REPLAYED_KEY, is_discovery, is_html
from storage import DiskFullError, StorageError
from storage.config import parse_size
from storage.requisites import PageRef, RequisiteEntry, record_requisites
from storage.warc.reader import decode_payload

__all__ = ["REQUISITE_KEY", "RequisitesMiddleware", "after_requisites", "is_requisite"]

log = logging.getLogger(__name__)

#: ``request.meta`` key of a requisite request: ``{"page": id, "url": ..., "record": ..., "kind": ...}``.
REQUISITE_KEY = "archiver_requisite"
_CHECKED_KEY = "archiver_requisite_checked"
_LINKED_KEY = "archiver_requisite_linked"
DEFAULT_MAX = 150
DEFAULT_MAX_BYTES = 25 * 10**6
#: Scheduled before new pages, so a page's requisites are fetched close to the page.
PRIORITY_BOOST = 10
_ACCEPT = {
    "image": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    "icon": "image/avif,image/webp,image/apng,image/*,*/*;q=0.8",
    STYLESHEET: "text/css,*/*;q=0.1",
}


_INSTANCES: weakref.WeakKeyDictionary[Crawler, RequisitesMiddleware] = weakref.WeakKeyDictionary()


def is_requisite(request: Request) -> bool:
    """True for a request this middleware made for a page requisite."""
    return REQUISITE_KEY in request.meta


def after_requisites(crawler: Crawler, callback: Callable[[], None]) -> None:
    """Call ``callback`` once no page of ``crawler`` waits for its requisites (now, if requisites are off).

    For a component that ends the crawl when its last page is back (``--max-pages``): called from
    a downloader middleware's ``process_response`` of that page, the callback waits until this
    middleware has seen the page too (and scheduled its requisites, if any) and they are all settled.
    """
    middleware = _INSTANCES.get(crawler)
    if middleware is None:
        callback()
    else:
        middleware._waiters.append(callback)


@dataclass
class _PageSet:
    """The requisites of one page while they are fetched."""

    page: PageRef
    seen: set[str]
    pending: int = 0
    entries: list[RequisiteEntry] = field(default_factory=list)


class RequisitesMiddleware:
    """Finds, fetches and links the requisites of archived HTML pages (see the module docstring)."""

    def __init__(self, crawler: Crawler, *, max_per_page: int, max_bytes: int, obey_robots: bool,
                 recrawl_after: timedelta | None) -> None:
        self.crawler = crawler
        self.max_per_page = max_per_page
        self.max_bytes = max_bytes
        self.obey_robots = obey_robots
        self.recrawl_after = recrawl_after
        self._pages: dict[int, _PageSet] = {}
        self._archived: dict[str, tuple[int, str | None]] = {}  # URL -> (capture id, record id) of this crawl
        self._children: dict[str, list[Requisite]] = {}  # stylesheet URL -> its own requisites
        self._waiters: list[Callable[[], None]] = []  # see after_requisites()
        # URL -> what its fetch, under way for another page, gives: (capture id, record id) or None.
        self._fetching: dict[str, asyncio.Future[tuple[int, str | None] | None]] = {}
        self._wait_limit = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180.0) * 2

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RequisitesMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_REQUISITES_ENABLED"):
            raise NotConfigured  # off by default for crawls: no reason, or Scrapy would warn on every crawl
        size = settings.get("ARCHIVER_REQUISITE_MAX_BYTES", DEFAULT_MAX_BYTES)
        seconds = parse_duration(settings.get("ARCHIVER_RECRAWL_AFTER", "1d"))
        window = timedelta(seconds=seconds) if seconds > 0 else None
        middleware = cls(crawler, max_per_page=max(settings.getint("ARCHIVER_REQUISITES_MAX", DEFAULT_MAX), 0),
                         max_bytes=0 if size in (0, "0", None, "") else parse_size(size),
                         obey_robots=settings.getbool("ARCHIVER_REQUISITES_OBEY_ROBOTS", True),
                         recrawl_after=window)
        # Connected before the archive session's own handler (made later, on first use), so the
        # pages still waiting are recorded while the archive is open.
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        _INSTANCES[crawler] = middleware
        return middleware

    # ------------------------------------------------------------------ middleware
    async def process_request(self, request: Request) -> None:
        """Don't fetch a requisite this crawl archived, or one archived recently: link that capture instead."""
        info = request.meta.get(REQUISITE_KEY)
        if info is None or request.meta.get(_CHECKED_KEY) or "redirect_urls" in request.meta:
            return None
        request.meta[_CHECKED_KEY] = True
        known = self._archived.get(request.url)
        if known is None and request.url in self._fetching:  # another page's fetch of it is under way
            try:
                known = await asyncio.wait_for(asyncio.shield(self._fetching[request.url]), self._wait_limit)
            except TimeoutError:
                known = None
            if known is None:
                return None  # that fetch failed: try again
        elif known is None:
            # Claimed before the look-up, so that another page asking meanwhile waits for this one.
            self._fetching[request.url] = asyncio.get_running_loop().create_future()
            if self.recrawl_after is not None:
                known = await archive_session(self.crawler).call(self._recent_capture, request.url)
            if known is None:
                return None
            self._fetched(request.url, known)
        request.meta[_LINKED_KEY] = True
        self._count("linked")
        nested: list[Requisite] = []
        if info.get("kind") == STYLESHEET:  # what the archived stylesheet needs, this page needs too
            nested = self._children.get(request.url) or []
            if request.url not in self._children:
                nested = self._children[request.url] = await archive_session(self.crawler).call(
                    self._archived_children, known[0])
        await self._settle(info, RequisiteEntry(url=request.url, kind=info.get("kind"), capture_id=known[0],
                                                record_id=known[1]), nested=nested)
        raise IgnoreRequest(f"page requisite archived already: {request.url}")

    async def process_response(self, request: Request, response: Response) -> Response:
        """Schedule the requisites of an archived HTML page; record a requisite's capture and stop it here."""
        info = request.meta.get(REQUISITE_KEY)
        if info is None:
            if self._is_archived_page(request, response):
                await self._discover(request, response)
            self._maybe_settled()
            return response
        url = requested_url(request)  # as the page names it, before any redirect
        capture_id = request.meta.get(CAPTURE_ID_KEY)
        record_id = request.meta.get(RECORD_ID_KEY)
        whole = 200 <= response.status < 300 and "download_stopped" not in response.flags
        if capture_id is not None and whole:
            self._archived[url] = (capture_id, record_id)
        self._fetched(url, self._archived.get(url))
        nested: list[Requisite] = []
        if whole and self._is_stylesheet(info, response):
            nested = self._children[url] = css_requisites(response.text, response.url)
        self._count("archived")
        await self._settle(info, RequisiteEntry(url=url, kind=info.get("kind"), capture_id=capture_id,
                                                record_id=record_id), nested=nested)
        self._maybe_settled()
        raise IgnoreRequest(f"page requisite archived: {request.url}")  # not for the spider: no item, no article

    async def process_exception(self, request: Request, exception: Exception) -> None:
        """Record a requisite that could not be fetched (after the last retry), or that robots.txt refused."""
        info = request.meta.get(REQUISITE_KEY)
        if info is None or request.meta.get(_LINKED_KEY):
            self._maybe_settled()
            return None
        self._count("failed")
        url = requested_url(request)
        self._fetched(url, None)
        reason = f"{type(exception).__name__}: {exception}".strip().rstrip(":")
        await self._settle(info, RequisiteEntry(url=url, kind=info.get("kind"),
                                                capture_id=request.meta.get(FAILURE_ID_KEY), missing=reason))
        self._maybe_settled()
        return None

    def spider_closed(self) -> None:
        """Record the pages whose requisites did not all come back (an interrupted crawl).

        Synchronous: the archive session's own handler shuts its catalogue thread down next.
        """
        waiting = [self._pages.pop(key) for key in list(self._pages)]
        waiting = [page_set for page_set in waiting if page_set.entries]
        if waiting:
            archive = archive_session(self.crawler).archive
            for page_set in waiting:
                self._record(archive, page_set.page, page_set.entries)

    # ------------------------------------------------------------------ internals
    def _is_archived_page(self, request: Request, response: Response) -> bool:
        meta = request.meta
        return (CAPTURE_ID_KEY in meta and not meta.get("archiver_skip") and not meta.get(REPLAYED_KEY)
                and not is_discovery(request) and not is_browser_request(request)
                and 200 <= response.status < 300 and is_html(response))

    @staticmethod
    def _is_stylesheet(info: dict[str, Any], response: Response) -> bool:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1").lower()
        if not isinstance(response, TextResponse):
            return False
        return "text/css" in content_type or (info.get("kind") == STYLESHEET and "html" not in content_type)

    async def _discover(self, request: Request, response: Response) -> None:
        page = PageRef(capture_id=request.meta[CAPTURE_ID_KEY], url=response.url,
                       record_id=request.meta.get(RECORD_ID_KEY))
        found = [r for r in html_requisites(response.text, response.url) if r.url != response.url]
        if not found:
            return
        page_set = self._pages[page.capture_id] = _PageSet(page=page, seen={response.url})
        self._count("pages")
        await self._schedule(page_set, found, priority=request.priority)

    async def _schedule(self, page_set: _PageSet, found: list[Requisite], *, priority: int = 0) -> None:
        """Request each new requisite of ``page_set`` (up to the limit); list the others as dropped."""
        page = page_set.page
        dropped: list[RequisiteEntry] = []
        for requisite in found:
            if requisite.url in page_set.seen:
                continue
            page_set.seen.add(requisite.url)
            if len(page_set.seen) - 1 > self.max_per_page:
                dropped.append(RequisiteEntry(url=requisite.url, kind=requisite.kind,
                                              missing=f"over ARCHIVER_REQUISITES_MAX ({self.max_per_page})"))
                continue
            page_set.pending += 1
            self._count("scheduled")
            self.crawler.engine.crawl(self._request(page, requisite, priority))
        if dropped:
            self._count("dropped", len(dropped))
            log.info("%s: %d page requisites over ARCHIVER_REQUISITES_MAX (%d) not fetched", page.url,
                     len(dropped), self.max_per_page)
            page_set.entries.extend(dropped)
        if page_set.pending == 0:
            await self._finish(page.capture_id)

    def _request(self, page: PageRef, requisite: Requisite, priority: int) -> Request:
        meta: dict[str, Any] = {
            REQUISITE_KEY: {"page": page.capture_id, "url": page.url, "record": page.record_id,
                            "kind": requisite.kind},
            "allow_offsite": True,  # CDNs: any host
        }
        if self.max_bytes:
            meta[MAX_BODY_SIZE_KEY] = self.max_bytes
        if not self.obey_robots:
            meta["dont_obey_robotstxt"] = True
        headers = {"Referer": page.url, "Accept": _ACCEPT.get(requisite.kind, "*/*")}
        return Request(requisite.url, meta=meta, headers=headers, dont_filter=True,
                       priority=priority + PRIORITY_BOOST)

    async def _settle(self, info: dict[str, Any], entry: RequisiteEntry, *, nested: list[Requisite] = ()) -> None:
        """One requisite of the page ``info`` names is done: add it, schedule what it needs, record when all are."""
        page_set = self._pages.get(info.get("page"))
        if page_set is None:  # discovered by another process, or before a restart: recorded on its own
            page = PageRef(capture_id=info["page"], url=info["url"], record_id=info.get("record"))
            page_set = _PageSet(page=page, seen={entry.url}, pending=1)
            self._pages[page.capture_id] = page_set
        page_set.entries.append(entry)
        if nested:
            await self._schedule(page_set, list(nested), priority=PRIORITY_BOOST)
        page_set.pending -= 1
        if page_set.pending <= 0:
            await self._finish(page_set.page.capture_id)

    async def _finish(self, page_id: int) -> None:
        page_set = self._pages.pop(page_id, None)
        if page_set is not None and page_set.entries:
            await self._write(page_set.page, page_set.entries)

    async def _write(self, page: PageRef, entries: list[RequisiteEntry]) -> None:
        session = archive_session(self.crawler)
        try:
            await session.call(self._record, session.archive, page, entries)
        except DiskFullError:
            return  # the crawl is stopping (see ArchiveSession.call)

    def _record(self, archive: Any, page: PageRef, entries: list[RequisiteEntry]) -> None:
        try:
            record_requisites(archive.writer, archive.db, page, entries, limit=self.max_per_page)
        except DiskFullError:
            raise
        except Exception:  # the requisites themselves are archived; only the list is lost
            log.exception("could not record the page requisites of %s", page.url)
            return
        self._count("recorded_pages")

    def _recent_capture(self, url: str) -> tuple[int, str | None] | None:
        capture = archive_session(self.crawler).archive.catalogue.latest_capture(url, article_fields=False)
        if (capture is None or capture.record_id is None or capture.status is None or capture.error
                or capture.truncated or not 200 <= capture.status < 300 or self.recrawl_after is None):
            return None
        if datetime.now(UTC) - capture.fetched_at >= self.recrawl_after:
            return None
        return capture.id, capture.record_id

    def _archived_children(self, capture_id: int) -> list[Requisite]:
        """The requisites of an archived stylesheet, read back from its WARC record."""
        archive = archive_session(self.crawler).archive
        try:
            capture = archive.catalogue.get_capture(capture_id)
            if capture is not None and capture.record_type == "revisit" and capture.revisit_of_id is not None:
                capture = archive.catalogue.get_capture(capture.revisit_of_id)
            if capture is None:
                return []
            record = archive.read(capture)
            text = decode_payload(record).decode(_charset(capture.content_type), "replace")
        except (StorageError, LookupError) as exc:
            log.warning("cannot read the archived stylesheet of capture %s: %s", capture_id, exc)
            return []
        return css_requisites(text, capture.url)

    def _fetched(self, url: str, result: tuple[int, str | None] | None) -> None:
        """Tell the pages waiting for ``url`` what its fetch gave."""
        future = self._fetching.pop(url, None)
        if future is not None and not future.done():
            future.set_result(result)

    def _maybe_settled(self) -> None:
        """Call the waiters of :func:`after_requisites` when no page waits for its requisites."""
        if self._waiters and not self._pages:
            waiters, self._waiters = self._waiters, []
            for callback in waiters:
                callback()

    def _count(self, key: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archiver/requisites/{key}", value)


def _charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip('"')
    return "utf-8"
