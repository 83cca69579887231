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

Everything else (pool, TLS, proxies, size limits, ``StopDownload``) is Scrapy's own. The
hooks are the narrowest there are: the connection pool's protocol factory (Twisted's
``HTTPConnectionPool._factory``, which Scrapy sets too), a mix-in on whatever protocol and
parser classes it builds (the parser class is swapped per request, as Scrapy does for its
lenient parser), and Scrapy's agent's ``_cb_bodyready`` (where the Twisted response meets the
Scrapy request). If a Scrapy version lacks those, the handler works as Scrapy's own and says
so once in the log; the capture then rebuilds heads and marks them. Requests served by
another handler (HTTP/2, a browser) have no raw head either.
"""

from __future__ import annotations

import logging
from typing import Any

# isort: off
import archiver.crawler.scrapy_tls  # noqa: F401 - first: Scrapy's TLS module, imported without a stack walk
# isort: on
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.web.client import Response as TxResponse

try:  # Scrapy's private parts this handler builds on (checked with Scrapy 2.19)
    from scrapy.core.downloader.handlers.http11 import _ScrapyAgent
    from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
except ImportError:  # pragma: no cover - another Scrapy: work as its own handler
    _ScrapyAgent = None  # type: ignore[assignment,misc]

__all__ = ["RAW_HEAD_KEY", "RawHeadDownloadHandler"]

log = logging.getLogger(__name__)

#: ``request.meta`` key holding the status line and header block of the response, as received.
RAW_HEAD_KEY = "archiver_raw_head"
# The attribute the tapping parser sets on Twisted's response object.
_TX_ATTRIBUTE = "archiver_raw_head"


class _ParserTap:
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


class _ProtocolTap:
    """Client protocol mix-in: the parser of each request gets :class:`_ParserTap`."""

    def request(self, request: Any) -> Deferred:
        d = super().request(request)  # type: ignore[misc]
        parser = getattr(self, "_parser", None)
        if parser is not None:
            # request() hard-codes the parser's class, so the parser object (no extra state
            # but the line list) gets a subclass, as Scrapy does for its lenient parser.
            parser.__class__ = _with(_ParserTap, type(parser))
            parser._archiver_lines = []
        return d


class _FactoryTap:
    """Protocol factory mix-in: each protocol it builds gets :class:`_ProtocolTap`."""

    def buildProtocol(self, addr: Any) -> Any:  # noqa: N802 - Twisted's name
        protocol = super().buildProtocol(addr)  # type: ignore[misc]
        protocol.__class__ = _with(_ProtocolTap, type(protocol))
        return protocol


_mixed: dict[tuple[type, type], type] = {}


def _with(mixin: type, base: type) -> type:
    """``base`` with ``mixin`` in front (one class per pair)."""
    if issubclass(base, mixin):
        return base
    if (mixin, base) not in _mixed:
        _mixed[mixin, base] = type(f"{mixin.__name__.strip('_')}{base.__name__}", (mixin, base), {})
    return _mixed[mixin, base]


if _ScrapyAgent is not None:

    class _TappingAgent(_ScrapyAgent):  # type: ignore[misc,valid-type]
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
        pool = self._pool
        self._tapping = _ScrapyAgent is not None and hasattr(pool, "_factory")
        if self._tapping:
            pool._factory = _with(_FactoryTap, pool._factory)  # type: ignore[assignment]
        else:  # pragma: no cover - another Scrapy
            log.warning("this Scrapy version has not the hooks RawHeadDownloadHandler needs: response heads "
                        "are not recorded as received (the capture rebuilds them)")

    async def download_request(self, request: Request) -> Response:
        request.meta.pop(RAW_HEAD_KEY, None)  # never an earlier hop's head
        if not self._tapping:  # pragma: no cover - another Scrapy
            return await super().download_request(request)
        # Scrapy's download_request, with the tapping agent in place of _ScrapyAgent.
        agent = _TappingAgent(
            contextFactory=self._contextFactory,
            bindAddress=self._bind_address,
            pool=self._pool,
            maxsize=getattr(self._crawler.spider, "download_maxsize", self._default_maxsize),
            warnsize=getattr(self._crawler.spider, "download_warnsize", self._default_warnsize),
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
