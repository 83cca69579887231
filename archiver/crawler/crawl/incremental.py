"""Downloader middleware: don't fetch again what the archive already has; ask "changed?" for the rest.

For each page request (not robots.txt, sitemaps or feeds, which are always fetched, nor page
requisites, which :mod:`archiver.crawler.requisites` deduplicates itself):

1. A URL captured in the run being resumed (``ARCHIVER_RESUME_RUNS``) is not fetched again.
2. Unless ``ARCHIVER_REFRESH``, a URL whose latest capture is younger than
   ``ARCHIVER_RECRAWL_AFTER`` (default one day) is not fetched again.
3. Otherwise, when the latest capture's response had an ``ETag`` or ``Last-Modified``, the
   request carries ``If-None-Match`` / ``If-Modified-Since`` and the capture's id (meta
   ``archiver_not_modified_of``), so a 304 answer is archived as a revisit of it.

A page skipped in 1 or 2 whose request asks for its body (meta ``archiver_need_body``: a
link-following spider needs its links) gets the archived response instead, read back from the
WARC and marked ``archiver_replayed``; the capture middleware does not archive it again. So does
an HTML page archived without an article (a crawl killed between fetch and extraction), with
its capture id in the meta, so the pipeline extracts it now. Otherwise the request is dropped
(``IgnoreRequest``).

Stats: ``archiver/crawl/skipped_recent``, ``archiver/crawl/skipped_resumed``,
``archiver/crawl/conditional``, ``archiver/crawl/replayed``, ``archiver/crawl/extracted_again``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from archiver.core.durations import parse_duration
from archiver.crawler.browser.routing import is_browser_request
from archiver.crawler.capture.middleware import CAPTURE_ID_KEY, NOT_MODIFIED_KEY
from archiver.crawler.capture.session import archive_session
from archiver.crawler.requisites.middleware import is_requisite
from spiders.pages import NEED_BODY_KEY, REPLAYED_KEY, is_discovery
from storage import StorageError
from storage.catalogue import Capture

__all__ = ["PREVIOUSLY_ARCHIVED_KEY", "IncrementalMiddleware"]

log = logging.getLogger(__name__)

_CHECKED_KEY = "archiver_incremental_checked"
#: Set on each page request: True when the URL had an article archived before this crawl.
PREVIOUSLY_ARCHIVED_KEY = "archiver_previously_archived"


class IncrementalMiddleware:
    """Skips recently archived and already resumed pages; makes the other requests conditional."""

    def __init__(self, crawler: Crawler, *, recrawl_after: float, refresh: bool, resume_runs: list[int]) -> None:
        self.crawler = crawler
        self.recrawl_after = timedelta(seconds=recrawl_after)
        self.refresh = refresh
        self.resume_runs = resume_runs
        self._resumed: set[str] | None = None
        self._loading = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_INCREMENTAL_ENABLED", True):
            raise NotConfigured("ARCHIVER_INCREMENTAL_ENABLED is off")
        return cls(crawler, recrawl_after=parse_duration(settings.get("ARCHIVER_RECRAWL_AFTER", "1d")),
                   refresh=settings.getbool("ARCHIVER_REFRESH"),
                   resume_runs=[int(r) for r in settings.getlist("ARCHIVER_RESUME_RUNS")])

    async def process_request(self, request: Request) -> Response | None:
        meta = request.meta
        if (is_discovery(request) or is_requisite(request) or is_browser_request(request) or meta.get(_CHECKED_KEY)
                or "redirect_urls" in meta):
            return None
        meta[_CHECKED_KEY] = True
        session = archive_session(self.crawler)
        archive = session.archive
        if self._resumed is None:
            async with self._loading:
                if self._resumed is None:
                    self._resumed = await session.call(self._load_resumed)
        previous = await session.call(self._latest, request.url)
        meta[PREVIOUSLY_ARCHIVED_KEY] = previous is not None and previous.article is not None
        if request.url in self._resumed:
            return await self._skip(request, previous, "skipped_resumed")
        if previous is None:
            return None
        age = datetime.now(UTC) - previous.fetched_at
        if not self.refresh and age < self.recrawl_after:
            return await self._skip(request, previous, "skipped_recent")
        validators = await session.call(self._validators, archive, previous)
        if validators:
            for name, value in validators.items():
                request.headers[name] = value
            meta[NOT_MODIFIED_KEY] = previous.id
            self._count("conditional")
        return None

    # ------------------------------------------------------------------ internals
    def _load_resumed(self) -> set[str]:
        if not self.resume_runs:
            return set()
        urls = archive_session(self.crawler).archive.catalogue.captured_urls(self.resume_runs)
        log.info("resuming: %d URLs already archived by runs %s are not fetched again", len(urls), self.resume_runs)
        return urls

    def _latest(self, url: str) -> Capture | None:
        """The latest capture of ``url`` that got an answer worth keeping (2xx, or a 304 revisit)."""
        capture = archive_session(self.crawler).archive.catalogue.latest_capture(url, article_fields=False)
        if capture is None or capture.status is None or capture.error or capture.truncated:
            return None
        if 200 <= capture.status < 300 or (capture.status == 304 and capture.revisit_of_id):
            return capture
        return None

    @staticmethod
    def _validators(archive, capture: Capture) -> dict[str, str]:  # noqa: ANN001 - storage.Archive
        """If-None-Match / If-Modified-Since from the capture's response headers.

        A 304 need not repeat every validator, so for a 304 revisit the original response's
        headers fill in what the 304 lacks.
        """
        captures = [capture]
        if capture.status == 304 and capture.revisit_of_id is not None:
            original = archive.catalogue.get_capture(capture.revisit_of_id)
            captures += [original] if original is not None else []
        found: dict[str, str] = {}
        for source in captures:
            try:
                record = archive.read(source)
            except StorageError as exc:
                log.warning("cannot read capture %s to make a conditional request: %s", source.id, exc)
                continue
            for header, name in (("ETag", "If-None-Match"), ("Last-Modified", "If-Modified-Since")):
                value = record.http_header(header)
                if value and name not in found:
                    found[name] = value
        return found

    async def _skip(self, request: Request, previous: Capture | None, reason: str) -> Response:
        self._count(reason)
        # A page archived by a crawl killed before its extraction finished is extracted now.
        lost = previous is not None and previous.article is None and _is_html(previous)
        if previous is not None and (request.meta.get(NEED_BODY_KEY) or lost):
            response = await archive_session(self.crawler).call(self._replay, request, previous)
            if response is not None:
                if lost:
                    request.meta[CAPTURE_ID_KEY] = previous.id
                    self._count("extracted_again")
                self._count("replayed")
                return response
        raise IgnoreRequest(f"already archived ({reason.removeprefix('skipped_')}): {request.url}")

    def _replay(self, request: Request, capture: Capture) -> Response | None:
        archive = archive_session(self.crawler).archive
        try:
            if capture.record_type == "revisit" and capture.revisit_of_id is not None:
                capture = archive.catalogue.get_capture(capture.revisit_of_id) or capture
            record = archive.read(capture)
        except StorageError as exc:
            log.warning("cannot read back %s from the archive: %s", request.url, exc)
            return None
        if record.http_status is None:
            return None
        headers = Headers([(k, v) for k, v in record.http_headers or []])
        cls = responsetypes.from_args(headers=headers, url=capture.url, body=record.payload)
        request.meta["archiver_skip"] = True  # the capture middleware must not archive it twice
        request.meta[REPLAYED_KEY] = True
        return cls(url=capture.url, status=record.http_status, headers=headers, body=record.payload,
                   request=request, flags=["archived"])

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"archiver/crawl/{key}")


def _is_html(capture: Capture) -> bool:
    content_type = (capture.content_type or "").lower()
    return 200 <= (capture.status or 0) < 300 and ("html" in content_type or not content_type)
