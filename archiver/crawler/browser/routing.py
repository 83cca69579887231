"""Every request the browser makes, answered by the crawler's own Scrapy downloader.

:class:`ScrapyRouter` is installed on a page with ``page.route("**/*", router.handle)``. For each
request of the page (documents, scripts, XHR/fetch, images, fonts, ...) it builds a Scrapy
:class:`~scrapy.Request` with the browser's method, headers and body, marked as a browser
subrequest of the page (``meta["archiver_browser"]``), and fetches it through the running
crawler's engine (``engine.download_async``: downloader middlewares only, never the spider). So
the capture middleware archives it byte for byte, robots.txt, delays and per-domain concurrency
apply, and the target guard refuses private addresses just as for any other fetch. The browser
gets the decoded body with the answer's headers, minus those that describe the transfer
(``Content-Encoding``, ``Content-Length``, ``Transfer-Encoding``). A refused or failed fetch is
aborted in the browser.

The page's own document is answered from the static capture it was rendered for (no second
fetch); everything else is fetched again, so requisites the static lane already archived come
back as ``revisit`` records. The browser itself never reaches the network: ``data:`` and
``blob:`` URLs stay inside it, other schemes are aborted, service workers are blocked by the
context (``service_workers="block"``) and WebSockets are refused (see :data:`BLOCKED_SCRIPT`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future

__all__ = ["BLOCKED_SCRIPT", "BROWSER_KEY", "MainDocument", "ScrapyRouter", "fulfil_headers", "is_browser_request"]

log = logging.getLogger(__name__)

#: ``request.meta`` key of a browser subrequest: ``{"page": capture id, "url": page URL}``.
BROWSER_KEY = "archiver_browser"
#: Request headers not passed on: the downloader sets its own (identity, cookies from its jar, encodings
#: every WARC tool can read back) or they describe the browser's connection.
_DROPPED_REQUEST_HEADERS = frozenset({"cookie", "accept-encoding", "connection", "host", "content-length",
                                      "user-agent", "upgrade-insecure-requests", "priority"})
#: Response headers that describe the transfer of the body, not the decoded body the browser gets.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                                       "keep-alive"})
#: Run in every frame before the page's scripts: WebSockets, which cannot be routed, are refused.
BLOCKED_SCRIPT = """
(() => {
  const refuse = function () { throw new DOMException("WebSockets are blocked while archiving", "SecurityError"); };
  try { Object.defineProperty(window, "WebSocket", {value: refuse, configurable: false, writable: false}); }
  catch (e) {}
})();
"""


def is_browser_request(request: Request) -> bool:
    """True for a request the browser lane made for a rendered page."""
    return BROWSER_KEY in request.meta


@dataclass(frozen=True)
class MainDocument:
    """The page's document as the static lane fetched it: answered to the browser without a second fetch."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class ScrapyRouter:
    """Answers a page's browser requests through ``crawler``'s downloader (see the module docstring)."""

    crawler: Crawler
    page_id: int
    page_url: str
    document: MainDocument | None = None
    #: URLs fetched for this page, in order, and how many were refused or failed.
    fetched: list[str] = field(default_factory=list)
    failed: int = 0

    async def handle(self, route: Any) -> None:
        """The ``page.route`` handler: fetch through Scrapy and fulfil, or abort."""
        request = route.request
        url = request.url
        if self.document is not None and request.is_navigation_request() and url == self.document.url:
            document, self.document = self.document, None  # once: a reload is fetched like anything else
            await route.fulfill(status=document.status, headers=document.headers, body=document.body)
            return
        if not url.startswith(("http://", "https://")):
            await route.abort()
            return
        try:
            response = await self.fetch(self.scrapy_request(request))
        except Exception as error:  # refused by the guard or robots.txt, network failure, ...
            self.failed += 1
            log.info("browser request %s for %s not answered: %s", url, self.page_url, error)
            await _quietly(route.abort())
            return
        self.fetched.append(url)
        await _quietly(route.fulfill(status=response.status, headers=fulfil_headers(response), body=response.body))

    def scrapy_request(self, request: Any) -> Request:
        """The Scrapy request for a Playwright request: method, headers and body as the browser sent them."""
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in _DROPPED_REQUEST_HEADERS and not name.startswith(":")}
        meta = {BROWSER_KEY: {"page": self.page_id, "url": self.page_url,
                              "kind": request.resource_type},
                "allow_offsite": True}
        return Request(request.url, method=request.method, headers=headers, body=request.post_data_buffer,
                       meta=meta, dont_filter=True)

    async def fetch(self, request: Request) -> Response:
        """``request`` through the running crawler's engine (downloader middlewares, not the spider)."""
        engine = self.crawler.engine
        if engine is None:
            raise RuntimeError("the crawler is not running")
        download_async = getattr(engine, "download_async", None)
        if download_async is not None:
            return await download_async(request)
        return await maybe_deferred_to_future(engine.download(request))  # Scrapy < 2.14


def fulfil_headers(response: Response) -> dict[str, str]:
    """The answer's headers for ``route.fulfill``: one string each (``Set-Cookie`` lines joined by newlines)."""
    headers: dict[str, str] = {}
    for raw_name, raw_values in response.headers.items():
        name = raw_name.decode("latin-1")
        if name.lower() in _DROPPED_RESPONSE_HEADERS:
            continue
        values = [value.decode("latin-1") for value in raw_values]
        headers[name] = ("\n" if name.lower() == "set-cookie" else ", ").join(values)
    return headers


async def _quietly(action: Any) -> None:
    """Await a route action; the page may have been closed meanwhile (a timeout), which is no error here."""
    try:
        await action
    except Exception as error:
        log.debug("browser route action failed: %s", error)
