"""The options of one crawl, checked up front, and the Scrapy settings they turn into."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver import __version__
from archiver.core.errors import UsageError
from spiders.feed import FeedSpider
from spiders.params import SpiderArgumentError, parse_patterns, parse_since
from spiders.site import SiteSpider
from spiders.sitemap import SitemapSpider
from spiders.urls import UrlsSpider, validate_url

__all__ = ["DISCOVERY_SPIDERS", "CrawlOptions", "CrawlOptionError", "polite_settings", "user_agent"]

DISCOVERY_SPIDERS: dict[str, type] = {
    "sitemap": SitemapSpider, "feed": FeedSpider, "site": SiteSpider, "urls": UrlsSpider,
}
PROJECT_URL = "https://github.com/news-archiver/news-archiver"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


class CrawlOptionError(UsageError, ValueError):
    """A crawl option has a value that cannot be used."""


def user_agent(contact: str | None) -> str:
    """The crawler's User-Agent: the project, its version, its home page and the operator's contact."""
    bits = [f"+{PROJECT_URL}"] + ([contact.strip()] if contact and contact.strip() else [])
    return f"news-archiver/{__version__} ({'; '.join(bits)})"


def polite_settings(contact: str | None) -> dict[str, Any]:
    """Settings every crawl starts from: robots.txt obeyed, AutoThrottle, few requests per site."""
    return {
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "USER_AGENT": user_agent(contact),
        "RETRY_TIMES": 2,
        # Each response yields a handful of items at most; Scrapy's default of 100 starts 100
        # asyncio tasks per response for nothing (measured: ~2 ms CPU per page).
        "CONCURRENT_ITEMS": 4,
        # Breadth-first: a news site's articles sit a few links from its front page, traps deep down.
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
    }


@dataclass
class CrawlOptions:
    """What ``archiver crawl`` was asked to do. :meth:`check` validates everything before a fetch."""

    discovery: str
    target: str
    max_pages: int | None = None
    max_depth: int | None = None
    since: str | None = None
    allow: list[str] = field(default_factory=list)
    deny: list[str] = field(default_factory=list)
    name: str | None = None
    resume: bool = False
    refresh: bool = False

    def check(self) -> None:
        """Raise :class:`CrawlOptionError` (one line, naming the option) for anything unusable."""
        if self.discovery not in DISCOVERY_SPIDERS:
            raise CrawlOptionError(f"unknown way to find pages: {self.discovery!r}")
        if self.discovery == "urls":
            path = Path(self.target)
            if not path.is_file():
                raise CrawlOptionError(f"--urls: no such file: {self.target}")
            urls = self.listed_urls()
            if not urls:
                raise CrawlOptionError(f"--urls: {self.target} lists no URLs")
            for url in urls:
                try:
                    validate_url(url)
                except ValueError as exc:
                    raise CrawlOptionError(f"--urls: {exc}") from None
        else:
            try:
                self.target = validate_url(self.target)
            except ValueError as exc:
                raise CrawlOptionError(f"--{self.discovery}: {exc}") from None
        if self.max_pages is not None and self.max_pages < 1:
            raise CrawlOptionError("--max-pages must be 1 or more")
        if self.max_depth is not None and self.max_depth < 0:
            raise CrawlOptionError("--max-depth must be 0 or more")
        if self.max_depth is not None and self.discovery != "site":
            raise CrawlOptionError("--max-depth only applies to --site crawls")
        if self.since is not None and self.discovery == "site":
            raise CrawlOptionError("--since applies to --sitemap and --feed crawls (a site crawl has no dates)")
        try:
            parse_since(self.since, "--since")
            parse_patterns(self.allow, "--allow")
            parse_patterns(self.deny, "--deny")
        except SpiderArgumentError as exc:
            raise CrawlOptionError(str(exc)) from None
        if self.name is not None and not _NAME.match(self.name):
            raise CrawlOptionError(f"--name: use letters, digits, '.', '_' and '-' (up to 100): {self.name!r}")

    @property
    def run_name(self) -> str:
        """The crawl's name: given, or made from the discovery method and the target's host."""
        if self.name:
            return self.name
        if self.discovery == "urls":
            return f"urls-{Path(self.target).stem}"[:100]
        parts = urlsplit(self.target)
        host, port = parts.hostname or "site", parts.port
        return f"{self.discovery}-{host}{f'-{port}' if port else ''}"[:100]

    def listed_urls(self) -> list[str]:
        """The URLs of a ``--urls`` file: one a line, blank lines and ``#`` comments skipped."""
        lines = Path(self.target).read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]

    def spider_args(self) -> dict[str, Any]:
        """Keyword arguments for the discovery spider."""
        if self.discovery == "urls":
            return {"urls_file": str(Path(self.target).absolute())}
        args: dict[str, Any] = {"url": self.target, "allow": list(self.allow), "deny": list(self.deny)}
        if self.discovery == "site":
            args["max_depth"] = self.max_depth
        else:
            args["since"] = parse_since(self.since)
        return args

    def recorded(self) -> dict[str, Any]:
        """The options as stored in the run's settings."""
        data = asdict(self)
        if self.discovery == "urls":
            data["target"] = str(Path(self.target).absolute())
        return data
