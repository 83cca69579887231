"""Downloader middleware that writes every HTTP exchange to WARC and catalogues it.

Enable it in any Scrapy project::

    DOWNLOADER_MIDDLEWARES = {"archiver.crawler.capture.middleware.WarcCaptureMiddleware": 880}
    DOWNLOAD_FAIL_ON_DATALOSS = False        # keep bodies cut short, marked WARC-Truncated

At 880 it sits between the downloader and RedirectMiddleware (600), HttpCompressionMiddleware
(590) and RetryMiddleware (550), so it sees each response as it came off the wire: still
compressed, every redirect hop and every retried attempt.

Settings: ``ARCHIVER_WARC_ENABLED`` (default True), ``ARCHIVER_HOME``, ``ARCHIVER_WARC_DIR``,
``ARCHIVER_DATABASE_URL``, ``ARCHIVER_WARC_PREFIX``, ``ARCHIVER_WARC_MAX_SIZE``. A request with
``meta["archiver_skip"] = True`` is not archived. After a response is archived, its capture id
is in ``request.meta["archiver_capture_id"]`` (and so in ``response.meta`` downstream), and
its record type (``response`` or ``revisit``) in ``request.meta["archiver_record_type"]``; a
request that got no response has the id of its failure row in ``request.meta["archiver_failure_id"]``.
A conditional request made against an earlier capture carries that capture's id in
``request.meta["archiver_not_modified_of"]``; a 304 answer is then archived as a revisit of it.

The response's head is stored as received when the download handler recorded it
(:mod:`archiver.crawler.download_handler`, the default in ``archiver/settings.py``); with
another handler it is rebuilt from Scrapy's parsed headers, marked so in the record
(``Archiver-Http-Head: rebuilt``), counted (``archiver/head_rebuilt``) and logged once.

A note in ``request.meta["archiver_error"]`` (put there by a middleware closer to the
downloader, e.g. :mod:`archiver.crawler.capture.limits`) is recorded as the capture's error, and so is
a body whose ``Content-Encoding`` cannot be undone (:mod:`archiver.crawler.capture.decoding`).

A body that decodes to more than ``ARCHIVER_MAX_DECODED_BYTES`` (counted in pieces, nothing
kept) is archived as received, its capture flagged ``decoded-limit`` (in the catalogue and in the
response record's ``Archiver-Flags`` field) with a one-line error, and
``request.meta["archiver_decoded_limit"]`` tells :mod:`archiver.crawler.capture.decompression`
not to decode it at all.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from archiver.crawler.capture.decoding import content_decoding_error
from archiver.crawler.capture.decompression import DECODED_LIMIT_FLAG, DECODED_LIMIT_KEY, max_decoded_bytes
from archiver.crawler.capture.exchange import (
    redirect_location,
    requested_url,
    take_raw_head,
    to_http_request,
    to_http_response,
    truncation,
)
from archiver.crawler.capture.limits import ERROR_KEY
from archiver.crawler.capture.session import archive_session
from storage import DiskFullError, StorageError
from storage.catalogue import Capture
from storage.warc.content import codings_of, decoded_size_over
from storage.warc.http import HttpRequest, HttpResponse

__all__ = ["WarcCaptureMiddleware"]

log = logging.getLogger(__name__)

CAPTURE_ID_KEY = "archiver_capture_id"
NOT_MODIFIED_KEY = "archiver_not_modified_of"
RECORD_TYPE_KEY = "archiver_record_type"
#: ``request.meta`` key: the WARC-Record-ID of the response (or revisit) record just written.
RECORD_ID_KEY = "archiver_record_id"
#: ``request.meta`` key: the id of the failure row of a request that got no response.
FAILURE_ID_KEY = "archiver_failure_id"


class WarcCaptureMiddleware:
    """Writes request + response (or revisit) records for each exchange, then a catalogue row."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.session = archive_session(crawler)
        self.max_decoded = max_decoded_bytes(crawler.settings.get("ARCHIVER_MAX_DECODED_BYTES"))
        self._warned_rebuilt = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        if not crawler.settings.getbool("ARCHIVER_WARC_ENABLED", True):
            raise NotConfigured("ARCHIVER_WARC_ENABLED is off")
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Response:
        raw_head = take_raw_head(request)
        if request.meta.get("archiver_skip"):
            return response
        # Copy everything now, on the reactor thread: later middlewares edit headers in place.
        http_request = to_http_request(request)
        http_response = to_http_response(response, raw_head)
        if http_response.raw_head is None:
            self._rebuilt_head(response)
        details = {
            "requested_url": requested_url(request),
            "truncated": truncation(response, request),
            "redirect_location": redirect_location(response),
            "ip_address": str(response.ip_address) if response.ip_address else None,
            "error": request.meta.get(ERROR_KEY),
            "not_modified_of": request.meta.get(NOT_MODIFIED_KEY) if response.status == 304 else None,
        }
        # On the session's catalogue thread, with the pipelines' calls: with a thread of Twisted's
        # pool besides, the crawler woke half as often again and spent 1-2 ms more CPU per page.
        try:
            capture = await self.session.call(self._record, response.url, http_request, http_response, details)
        except DiskFullError as exc:  # the crawl is stopping (see ArchiveSession.call): drop the page
            raise IgnoreRequest(str(exc)) from None
        if DECODED_LIMIT_FLAG in (capture.flags or []):
            request.meta[DECODED_LIMIT_KEY] = True
            self._count("archiver/decoded_limit")
        request.meta[CAPTURE_ID_KEY] = capture.id
        request.meta[RECORD_TYPE_KEY] = capture.record_type
        request.meta[RECORD_ID_KEY] = capture.record_id
        self.session.remember(capture)
        self._count(f"archiver/{capture.record_type}")
        if capture.truncated:
            self._count("archiver/truncated")
            log.warning("archived %s truncated (%s)", response.url, capture.truncated)
        if capture.error:
            self._count("archiver/capture_error")
            log.warning("archived %s with an error: %s", response.url, capture.error)
        return response

    async def process_exception(self, request: Request, exception: Exception) -> None:
        take_raw_head(request)
        if request.meta.get("archiver_skip") or isinstance(exception, IgnoreRequest):
            return None
        error = _describe(exception)
        try:
            failure = await self.session.call(self._record_failure, request, error)
        except DiskFullError:
            return None
        request.meta[FAILURE_ID_KEY] = failure.id
        self._count("archiver/failure")
        return None  # let RetryMiddleware and the spider's errback decide what happens next

    def _record(self, url: str, request: HttpRequest, response: HttpResponse, details: dict) -> Capture:
        flags: list[str] = []
        if request.method.upper() != "HEAD":
            encodings = [value for name, value in response.headers if name.lower() == "content-encoding"]
            codings = codings_of(encodings)
            if codings and self.max_decoded and decoded_size_over(codings, response.body, self.max_decoded):
                flags.append(DECODED_LIMIT_FLAG)
                details["error"] = details["error"] or (
                    f"the {', '.join(codings)} body decodes to more than {self.max_decoded} bytes "
                    "(ARCHIVER_MAX_DECODED_BYTES): archived as received, not decoded")
            elif codings and not details["error"]:
                details["error"] = content_decoding_error(encodings, response.body)
        try:
            return self.session.archive.record_exchange(
                url, request, response, crawl_run_id=self.session.run_id,
                fetched_at=datetime.now(UTC), flags=flags, **details,
            )
        except DiskFullError:
            raise  # one line, from the command: see ArchiveSession.call
        except StorageError:
            log.exception("could not archive %s", url)
            raise

    def _record_failure(self, request: Request, error: str) -> Capture:
        return self.session.archive.record_failure(request.url, error, requested_url=requested_url(request),
                                            crawl_run_id=self.session.run_id)

    def _rebuilt_head(self, response: Response) -> None:
        self._count("archiver/head_rebuilt")
        if not self._warned_rebuilt:
            self._warned_rebuilt = True
            log.warning("the HTTP head of %s was not recorded as received (protocol %s; DOWNLOAD_HANDLERS "
                        "without archiver.crawler.download_handler.RawHeadDownloadHandler?): it is rebuilt from "
                        "Scrapy's parsed headers and marked Archiver-Http-Head: rebuilt", response.url,
                        response.protocol)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _describe(exception: Exception) -> str:
    """A one-line description of a network failure, e.g. ``TimeoutError: took longer than 5.0 seconds``."""
    name = type(exception).__name__
    message = str(exception).strip() or getattr(exception, "__doc__", "") or ""
    message = " ".join(message.split())
    return f"{name}: {message}" if message else name
