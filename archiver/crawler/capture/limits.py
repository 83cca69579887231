"""Downloader middleware that bounds one download: how many bytes, how long, how many redirects.

Enable it next to the capture middleware, on the downloader's side of it::

    DOWNLOADER_MIDDLEWARES = {
        "archiver.crawler.capture.limits.DownloadLimitsMiddleware": 890,
        "archiver.crawler.capture.middleware.WarcCaptureMiddleware": 880,
    }

- **Body size** (``ARCHIVER_MAX_BODY_SIZE``, default ``50MB``; 0 for none): once more bytes
  than that have arrived, the download is stopped from the ``bytes_received`` signal
  (``StopDownload(fail=False)``) and the response goes on with exactly the first
  ``ARCHIVER_MAX_BODY_SIZE`` bytes, archived with ``WARC-Truncated: length``. Scrapy's own
  ``DOWNLOAD_MAXSIZE`` drops the whole response instead, so keep it above this limit. A request
  may carry a lower limit of its own in ``meta["archiver_max_body_size"]`` (bytes; page
  requisites use ``ARCHIVER_REQUISITE_MAX_BYTES``); the lower of the two limits applies.
- **Download time** (``ARCHIVER_MAX_DOWNLOAD_TIME`` seconds, counted from when the request
  was sent; default 90% of the request's ``DOWNLOAD_TIMEOUT``; 0 for none): when body bytes
  arrive after the deadline, the download is stopped and what came is kept, archived with
  ``WARC-Truncated: time``. The deadline is only looked at when bytes arrive: a server that
  sends nothing more at all still ends in ``DOWNLOAD_TIMEOUT``'s plain timeout error, and
  nothing of that response is archived.
- **Unusable redirects**: a 3xx whose ``Location`` is no URL (``http://[::1``) would make
  RedirectMiddleware raise and the exchange be lost; it is not followed, kept as the final
  answer and archived with the reason as its error (one line).
- **Redirects** (Scrapy's ``REDIRECT_MAX_TIMES``): the redirect that would be one too many
  is not followed; that response is kept as the final answer, with an error that the capture
  middleware records (``too many redirects …``), instead of Scrapy dropping the request.

Settings are read once. ``ARCHIVER_LIMITS_ENABLED = False`` switches the middleware off.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass
from time import monotonic
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured, StopDownload
from scrapy.http import Response
from scrapy.settings import BaseSettings

from archiver.crawler.capture.exchange import TRUNCATED_KEY, location_error
from storage.config import parse_size

__all__ = ["ERROR_KEY", "MAX_BODY_SIZE_KEY", "TRUNCATED_KEY", "DownloadLimits", "DownloadLimitsMiddleware"]

log = logging.getLogger(__name__)

#: ``request.meta`` key whose text the capture middleware records as the capture's error.
ERROR_KEY = "archiver_error"
#: ``request.meta`` key: this request's own body size limit in bytes (instead of ARCHIVER_MAX_BODY_SIZE).
MAX_BODY_SIZE_KEY = "archiver_max_body_size"

DEFAULT_MAX_BODY_SIZE = 50 * 10**6
#: Without ARCHIVER_MAX_DOWNLOAD_TIME, stop at this share of the request's download timeout.
DEFAULT_TIME_SHARE = 0.9
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class DownloadLimits:
    """The limits, read once from the settings.

    ``max_body_size`` in bytes (0: none); ``max_download_time`` in seconds (None: a share of
    each request's download timeout; 0: none); ``max_redirects`` (None: redirects are off).
    """

    max_body_size: int = DEFAULT_MAX_BODY_SIZE
    max_download_time: float | None = None
    default_timeout: float = 180.0
    max_redirects: int | None = 20

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> DownloadLimits:
        size = settings.get("ARCHIVER_MAX_BODY_SIZE", DEFAULT_MAX_BODY_SIZE)
        time_limit = settings.get("ARCHIVER_MAX_DOWNLOAD_TIME")
        return cls(
            max_body_size=0 if size in (0, "0", None, "") else parse_size(size),
            max_download_time=None if time_limit in (None, "") else max(float(time_limit), 0.0),
            default_timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 180.0),
            max_redirects=settings.getint("REDIRECT_MAX_TIMES") if settings.getbool("REDIRECT_ENABLED") else None,
        )

    def time_limit(self, request: Request) -> float | None:
        """Seconds ``request``'s download may take before it is cut, or None for no limit."""
        if self.max_download_time is not None:
            return self.max_download_time or None
        timeout = request.meta.get("download_timeout") or self.default_timeout
        return float(timeout) * DEFAULT_TIME_SHARE if timeout else None


@dataclass
class _Download:
    """What is known about one response body while it arrives."""

    deadline: float | None
    expected: int | None
    received: int = 0


class DownloadLimitsMiddleware:
    """Stops a body that is too big or too slow (keeping what came) and ends redirect loops."""

    def __init__(self, crawler: Crawler, limits: DownloadLimits) -> None:
        self.crawler = crawler
        self.limits = limits
        self._downloads: weakref.WeakKeyDictionary[Request, _Download] = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloadLimitsMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_LIMITS_ENABLED", True):
            raise NotConfigured("ARCHIVER_LIMITS_ENABLED is off")
        limits = DownloadLimits.from_settings(settings)
        maxsize = settings.getint("DOWNLOAD_MAXSIZE")
        if maxsize and limits.max_body_size and maxsize <= limits.max_body_size:
            log.warning("DOWNLOAD_MAXSIZE (%d) is not above ARCHIVER_MAX_BODY_SIZE (%d): bodies larger than "
                        "DOWNLOAD_MAXSIZE are dropped, not kept truncated", maxsize, limits.max_body_size)
        middleware = cls(crawler, limits)
        crawler.signals.connect(middleware.headers_received, signal=signals.headers_received)
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    # ------------------------------------------------------------------ signals
    def headers_received(self, headers: Any, body_length: Any, request: Request) -> None:
        """Start the book-keeping for a response whose body is about to arrive."""
        self._downloads[request] = self._start(request, body_length)

    def bytes_received(self, data: bytes, request: Request) -> None:
        """Count the bytes; stop the download (keeping them) past the size or time limit."""
        download = self._downloads.get(request)
        if download is None:
            download = self._downloads[request] = self._start(request, None)
        download.received += len(data)
        limit = self._body_limit(request)
        if limit and download.received > limit:
            request.meta[TRUNCATED_KEY] = "length"
            raise StopDownload(fail=False)
        complete = download.expected is not None and download.received >= download.expected
        if download.deadline is not None and not complete and monotonic() >= download.deadline:
            request.meta[TRUNCATED_KEY] = "time"
            raise StopDownload(fail=False)

    def _start(self, request: Request, body_length: Any) -> _Download:
        limit = self.limits.time_limit(request)
        # download_latency (time to the headers) is set just before headers_received: the
        # deadline then runs from when the request was sent, like DOWNLOAD_TIMEOUT.
        sent_at = monotonic() - float(request.meta.get("download_latency") or 0.0)
        expected = body_length if isinstance(body_length, int) and body_length >= 0 else None
        return _Download(deadline=sent_at + limit if limit else None, expected=expected)

    # ------------------------------------------------------------------ middleware
    def process_response(self, request: Request, response: Response) -> Response:
        self._downloads.pop(request, None)
        request.meta.pop(ERROR_KEY, None)  # a note from an earlier hop or attempt is not about this one
        if "download_stopped" in response.flags:
            response = self._stopped(request, response)
        unusable = self._unusable_location(request, response)
        if unusable:
            request.meta["dont_redirect"] = True  # kept as the final answer, archived with the reason
            request.meta[ERROR_KEY] = unusable
            self._count("archiver/limits/bad_location")
            log.warning("%s: %s", response.url, unusable)
        elif self._one_redirect_too_many(request, response):
            times = request.meta.get("redirect_times", 0)
            request.meta["dont_redirect"] = True  # RedirectMiddleware hands this response on as it is
            request.meta[ERROR_KEY] = (f"too many redirects: gave up after {times} "
                                       f"(REDIRECT_MAX_TIMES is {self.limits.max_redirects})")
            self._count("archiver/limits/redirects")
            log.warning("not following the redirect from %s: %s", response.url, request.meta[ERROR_KEY])
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._downloads.pop(request, None)
        return None

    def _stopped(self, request: Request, response: Response) -> Response:
        reason = request.meta.get(TRUNCATED_KEY)
        limit = self._body_limit(request)
        if reason == "length" and limit:
            self._count("archiver/limits/body_size")
            log.info("stopped downloading %s after %d bytes (%s)", response.url, limit,
                     "its own limit" if MAX_BODY_SIZE_KEY in request.meta else "ARCHIVER_MAX_BODY_SIZE")
            if len(response.body) > limit:  # the last chunk went past the limit: keep exactly the limit
                response = response.replace(body=response.body[:limit])
        elif reason == "time":
            self._count("archiver/limits/download_time")
            log.info("stopped downloading %s after %.1f s with %d bytes (ARCHIVER_MAX_DOWNLOAD_TIME)",
                     response.url, self.limits.time_limit(request) or 0.0, len(response.body))
        return response

    def _body_limit(self, request: Request) -> int:
        """The body size limit of ``request``: the lower of its own (meta) and ARCHIVER_MAX_BODY_SIZE; 0 for none."""
        own = int(request.meta.get(MAX_BODY_SIZE_KEY) or 0)
        limits = [limit for limit in (own, self.limits.max_body_size) if limit]
        return min(limits, default=0)

    def _unusable_location(self, request: Request, response: Response) -> str | None:
        """Why RedirectMiddleware could not follow this redirect (a malformed Location), or None."""
        if self.limits.max_redirects is None or response.status not in _REDIRECT_STATUSES:
            return None
        if request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all"):
            return None
        return location_error(response)

    def _one_redirect_too_many(self, request: Request, response: Response) -> bool:
        """Whether RedirectMiddleware would drop this response for exceeding REDIRECT_MAX_TIMES."""
        most = self.limits.max_redirects
        if most is None or response.status not in _REDIRECT_STATUSES or "Location" not in response.headers:
            return False
        meta = request.meta
        spider_statuses = getattr(self.crawler.spider, "handle_httpstatus_list", ())
        if (meta.get("dont_redirect") or meta.get("handle_httpstatus_all")
                or response.status in meta.get("handle_httpstatus_list", ()) or response.status in spider_statuses):
            return False
        ttl = meta.get("redirect_ttl", most)
        return not ttl or meta.get("redirect_times", 0) + 1 > most

    def _count(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
