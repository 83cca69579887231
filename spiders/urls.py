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
from spiders.params import Param, SpiderArgumentError

__all__ = ["URLS_FILE", "UrlsSpider", "listed_urls", "parse_url", "url_target", "validate_url"]


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


def parse_url(value: str, name: str) -> str:
    """:func:`validate_url` as a :class:`Param` parser: the error names the argument."""
    try:
        return validate_url(value)
    except ValueError as exc:
        raise SpiderArgumentError(f"{name}: {exc}") from None


def url_target(flag: str, help: str) -> Param:  # noqa: A002 - the Param field's name
    """The start URL of a discovery spider, given on the command line as ``flag URL``."""
    return Param(name="url", flag=flag, metavar="URL", help=help, parse=parse_url)


def listed_urls(path: str | Path) -> list[str]:
    """The URLs of a list file: one a line, blank lines and ``#`` comments skipped."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def check_urls_file(value: str, name: str) -> str:
    """A list file that exists and lists only valid URLs (at least one); returned as given."""
    if not Path(value).is_file():
        raise SpiderArgumentError(f"{name}: no such file: {value}")
    urls = listed_urls(value)
    if not urls:
        raise SpiderArgumentError(f"{name}: {value} lists no URLs")
    for url in urls:
        parse_url(url, name)
    return value


#: The ``urls`` spider's target on the command line: ``--urls FILE``.
URLS_FILE = Param(name="urls_file", flag="--urls", metavar="FILE", help="A file of URLs, one a line (# comments).",
                  parse=check_urls_file)


def _split(urls: str | Iterable[str]) -> list[str]:
    if isinstance(urls, str):
        return urls.replace(",", " ").split()
    return [u for u in urls if u.strip()]


class UrlsSpider(scrapy.Spider):
    """Fetches each given URL once (even if given twice across runs: no dupe filtering)."""

    name = "urls"
    target = URLS_FILE
    #: The target is a file: recorded as an absolute path, the crawl named after its stem.
    target_is_file = True
    params: tuple[Param, ...] = ()

    def __init__(self, urls: str | Iterable[str] = (), urls_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        given = _split(urls)
        if urls_file:
            given += listed_urls(urls_file)
        if not given:
            raise ValueError("the urls spider needs urls=... or urls_file=...")
        self.start_urls = [validate_url(url) for url in given]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: Response) -> Iterable[Page]:
        yield page_from_response(response, discovered_via="list")

    def failed(self, failure: Failure) -> None:
        """Log a request that got no response (counted in the ``archiver/crawl/failed`` stat).

        A URL robots.txt forbids is no error: it is listed in the ``archiver/crawl/robots_urls`` stat.
        """
        request = getattr(failure, "request", None)
        stats = self.crawler.stats
        if stats is not None and failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            stats.set_value("archiver/crawl/robots_urls",
                            [*(stats.get_value("archiver/crawl/robots_urls") or []), getattr(request, "url", "?")])
        elif not failure.check(IgnoreRequest) and stats is not None:  # robots.txt etc. is no error
            stats.inc_value("archiver/crawl/failed")
        self.logger.info("could not fetch %s: %s", getattr(request, "url", "?"), failure.getErrorMessage())
