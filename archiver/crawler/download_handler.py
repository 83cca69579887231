"""Scrapy's HTTP/1.1 download handler, plus the response's status line and header block as received.

Enable it like any download handler (``archiver/settings.py`` does)::

    DOWNLOAD_HANDLERS = {
        "http": "archiver.crawler.download_handler.RawHeadDownloadHandler",
        "https": "archiver.crawler.download_handler.RawHeadDownloadHandler",
    }

Twisted's response parser (``HTTPClientParser``, a ``LineReceiver`` split on ``\\n``) turns
the head into a status code and a lower-cased header map: the reason phrase, the names'
case, their order, the spacing and the connection headers are gone by the time Scrapy
builds its response. The handler taps the parser one step earlier: every line it is handed
while it reads the head is kept with the ``\\n`` it was split on, so the bytes are exactly
those that came off the connection (above TLS for https). An interim ``1xx`` answer is
left out; the head of the final answer is put in ``request.meta[RAW_HEAD_KEY]`` (from the
status line to the empty line that ends the headers) before ``headers_received`` is sent.
Whatever reads it (:mod:`archiver.crawler.capture.middleware`) should pop it, so that a
redirect or retry (which copies ``meta``) never carries it to the next request.

Everything else (pool, TLS, proxies, size limits, ``StopDownload``) is Scrapy's own: the
handler only swaps in a parser that also records, through the same hook Scrapy uses for its
lenient parser. Requests served by another handler (HTTP/2, a browser) have no raw head.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import (
    HTTP11DownloadHandler,
    _LenientHTTP11ClientFactory,
    _LenientHTTP11ClientProtocol,
    _ScrapyAgent,
)
from scrapy.crawler import Crawler
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.web.client import Response as TxResponse

__all__ = ["RAW_HEAD_KEY", "RawHeadDownloadHandler"]

log = logging.getLogger(__name__)

#: ``request.meta`` key holding the status line and header block of the response, as received.
RAW_HEAD_KEY = "archiver_raw_head"
# The attribute the tapping parser sets on Twisted's response object.
_TX_ATTRIBUTE = "archiver_raw_head"


class _HeadTap:
    """Parser mix-in: keeps each line of the response head, with its line end, as received."""

    _archiver_lines: list[bytes]

    def lineReceived(self, line: bytes) -> None:  # noqa: N802 - Twisted's name
        # LineReceiver strips only its delimiter (b"\n"): a CR, if sent, is still on the line.
        self._archiver_lines.append(line + b"\n")
        super().lineReceived(line)  # type: ignore[misc]

    def allHeadersReceived(self) -> None:  # noqa: N802 - Twisted's name
        head = b"".join(self._archiver_lines)
        self._archiver_lines = []
        response = self.response  # type: ignore[attr-defined]
        if not 100 <= response.code < 200:  # the parser drops an interim answer and reads on
            setattr(response, _TX_ATTRIBUTE, head)
        super().allHeadersReceived()  # type: ignore[misc]


_tapping_classes: dict[type, type] = {}


def _tapping(parser_class: type) -> type:
    """``parser_class`` with :class:`_HeadTap` mixed in (one class per parser class)."""
    if issubclass(parser_class, _HeadTap):
        return parser_class
    if parser_class not in _tapping_classes:
        _tapping_classes[parser_class] = type(f"HeadTapping{parser_class.__name__}", (_HeadTap, parser_class), {})
    return _tapping_classes[parser_class]


class _TappingClientProtocol(_LenientHTTP11ClientProtocol):
    """Scrapy's client protocol whose response parser also keeps the raw head."""

    def request(self, request: Any) -> Deferred:
        d = super().request(request)
        parser = self._parser
        if parser is not None:
            # Like Scrapy's lenient parser: request() hard-codes the parser class, so the
            # parser object (with no extra state but the line list) gets a subclass.
            parser.__class__ = _tapping(type(parser))
            parser._archiver_lines = []  # type: ignore[attr-defined]
        return d


class _TappingClientFactory(_LenientHTTP11ClientFactory):
    """Builds :class:`_TappingClientProtocol` connections for the handler's pool."""

    def buildProtocol(self, addr: Any) -> _TappingClientProtocol:  # noqa: N802 - Twisted's name
        return _TappingClientProtocol(self._quiescentCallback)  # type: ignore[no-untyped-call]


class _TappingAgent(_ScrapyAgent):
    """Scrapy's agent that hands the raw head on in ``request.meta`` once the headers are in."""

    def _cb_bodyready(self, txresponse: TxResponse, request: Request) -> Any:
        head = getattr(txresponse, _TX_ATTRIBUTE, None)
        if head is not None:
            request.meta[RAW_HEAD_KEY] = head
        return super()._cb_bodyready(txresponse, request)


class RawHeadDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` that also records each response's head as received.

    Built by Scrapy from ``DOWNLOAD_HANDLERS``; takes the same settings as Scrapy's
    handler and no others.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._pool._factory = _TappingClientFactory

    async def download_request(self, request: Request) -> Response:
        request.meta.pop(RAW_HEAD_KEY, None)  # never an earlier hop's head
        # Scrapy's download_request, with the tapping agent in place of _ScrapyAgent.
        agent = _TappingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=self._default_maxsize,
            warnsize=self._default_warnsize,
            fail_on_dataloss=self._fail_on_dataloss,
            crawler=self._crawler,
            tls_verbose_logging=self._tls_verbose_logging,
        )
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                log.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise
