"""The ``urls`` spider: fetch the URLs it is given, nothing more.

    scrapy crawl urls -a urls="https://a.example/x https://b.example/y"
    scrapy crawl urls -a urls_file=list.txt      # one URL a line; blank lines and # comments skipped

URLs are validated before anything is fetched; a bad one stops the spider with a clear error.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from twisted.python.failure import Failure
from w3lib.url import safe_url_string

from spiders.items import Page
from spiders.pages import page_from_response

__all__ = ["UrlsSpider", "validate_url"]


def validate_url(url: str) -> str:
    """Return ``url`` normalised (percent-encoded where needed); raise ValueError unless it is http(s) with a host.

    Control characters (a raw CR or LF, as in a header-injection attempt) are refused: Python's
    URL parser silently drops some of them, so the URL fetched would not be the one given.
    Percent-encoded ones (``%0d%0a``) are ordinary URL text and stay encoded on the wire.
    """
    candidate = url.strip()
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        raise ValueError(f"URL contains control characters (CR, LF, ...): {url!r}")
    parts = urlsplit(candidate)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise ValueError(f"URL has a bad port: {url!r}") from None
    return safe_url_string(candidate)


def _split(urls: str | Iterable[str]) -> list[str]:
    if isinstance(urls, str):
        return urls.replace(",", " ").split()
    return [u for u in urls if u.strip()]


class UrlsSpider(scrapy.Spider):
    """Fetches each given URL once (even if given twice across runs: no dupe filtering)."""

    name = "urls"

    def __init__(self, urls: str | Iterable[str] = (), urls_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        given = _split(urls)
        if urls_file:
            lines = Path(urls_file).read_text(encoding="utf-8").splitlines()
            given += [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
        if not given:
            raise ValueError("the urls spider needs urls=... or urls_file=...")
        self.start_urls = [validate_url(url) for url in given]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response) -> Iterable[Page]:
        yield page_from_response(response, discovered_via="list")

    def failed(self, failure: Failure) -> None:
        """Log a request that got no response (counted in the ``archiver/crawl/failed`` stat)."""
        request = getattr(failure, "request", None)
        if not failure.check(IgnoreRequest) and self.crawler.stats is not None:  # robots.txt etc. is no error
            self.crawler.stats.inc_value("archiver/crawl/failed")
        self.logger.info("could not fetch %s: %s", getattr(request, "url", "?"), failure.getErrorMessage())
