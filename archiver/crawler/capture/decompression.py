"""Downloader middleware that undoes ``Content-Encoding`` with a bound on the decoded size.

It takes the place of Scrapy's HttpCompressionMiddleware (same priority, 590; Scrapy's is set
to None in ``archiver/settings.py``), whose decoding is bounded only by ``DOWNLOAD_MAXSIZE``
(1 GiB): one small gzip bomb took a crawl to gigabytes of memory. Here every coding is undone
in pieces by :func:`storage.warc.content.decode_content` and stops at
``ARCHIVER_MAX_DECODED_BYTES`` (default 64 MB; 0: no limit).

The capture middleware (880, closer to the downloader) has already archived the response as
received. When it found the body decodes past the limit, it flagged the capture
``decoded-limit`` and set ``request.meta["archiver_decoded_limit"]``: such a response goes on to
the spider with an empty body (nothing decoded at all), so nothing downstream (extraction,
requisites) works on it. A response the capture middleware did not look at (``archiver_skip``)
is cut the same way when the limit is passed while decoding.

Codings we cannot decode (an unknown one, or ``zstd`` without the ``zstandard`` module) are
left on the body and in the header, as Scrapy does; damaged data raises
:class:`storage.warc.content.UndecodableContent` (the request fails; the capture keeps its error).
"""

from __future__ import annotations

import importlib.util
import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse
from scrapy.responsetypes import responsetypes

from storage.config import parse_size
from storage.warc.content import DEFAULT_MAX_DECODED_BYTES, DecodedTooLarge, codings_of, decode_content

__all__ = ["DECODED_LIMIT_FLAG", "DECODED_LIMIT_KEY", "BoundedDecompressionMiddleware", "max_decoded_bytes"]

log = logging.getLogger(__name__)

#: ``request.meta`` key: the body decodes past ARCHIVER_MAX_DECODED_BYTES (set by the capture middleware).
DECODED_LIMIT_KEY = "archiver_decoded_limit"
#: The capture flag (catalogue) and ``Archiver-Flags`` value (WARC) of such a capture.
DECODED_LIMIT_FLAG = "decoded-limit"


def max_decoded_bytes(value: object) -> int:
    """``ARCHIVER_MAX_DECODED_BYTES`` as bytes (None: the default; 0 or empty: no limit)."""
    if value is None:
        return DEFAULT_MAX_DECODED_BYTES
    if value in (0, "0", ""):
        return 0
    return parse_size(value if isinstance(value, int) else str(value))


def _decodable() -> frozenset[str]:
    codings = {"gzip", "x-gzip", "deflate"}
    if importlib.util.find_spec("brotli") is not None:
        codings.add("br")
    if importlib.util.find_spec("zstandard") is not None:
        codings.add("zstd")
    return frozenset(codings)


class BoundedDecompressionMiddleware:
    """Decodes gzip, deflate, br (and zstd) bodies, never past ARCHIVER_MAX_DECODED_BYTES."""

    def __init__(self, crawler: Crawler, limit: int) -> None:
        self.stats = crawler.stats
        self.limit = limit
        self.decodable = _decodable()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoundedDecompressionMiddleware:
        if not crawler.settings.getbool("COMPRESSION_ENABLED", True):
            raise NotConfigured("COMPRESSION_ENABLED is off")
        return cls(crawler, max_decoded_bytes(crawler.settings.get("ARCHIVER_MAX_DECODED_BYTES")))

    def process_response(self, request: Request, response: Response) -> Response:
        if request.method == "HEAD":
            return response
        values = [v.decode("latin-1") for v in response.headers.getlist("Content-Encoding")]
        codings = codings_of(values)
        if not codings:
            return response
        if request.meta.get(DECODED_LIMIT_KEY):
            return self._emptied(response)
        keep = list(codings)
        undo: list[str] = []
        while keep and (keep[-1] in self.decodable or keep[-1] == "identity"):
            undo.insert(0, keep.pop())
        if not undo:
            return response
        try:
            body = decode_content(undo, response.body, self.limit)
        except DecodedTooLarge:
            request.meta[DECODED_LIMIT_KEY] = True
            log.warning("not decoding %s: its body decodes to more than %d bytes (ARCHIVER_MAX_DECODED_BYTES)",
                        response.url, self.limit)
            return self._emptied(response)
        if keep:
            log.warning("cannot decode the body of %s from %s", response.url, ", ".join(keep))
        self._count("archiver/decoded_bytes", len(body))
        respcls = responsetypes.from_args(headers=response.headers, url=response.url, body=body)
        kwargs: dict[str, object] = {"body": body}
        if issubclass(respcls, TextResponse):
            kwargs["encoding"] = None  # let the decoded body's own declarations decide
        decoded = response.replace(cls=respcls, **kwargs)
        if keep:
            decoded.headers["Content-Encoding"] = ", ".join(keep)
        else:
            del decoded.headers["Content-Encoding"]
        return decoded

    def _emptied(self, response: Response) -> Response:
        self._count("archiver/decoded_limit")
        emptied = response.replace(body=b"")
        del emptied.headers["Content-Encoding"]
        return emptied

    def _count(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
