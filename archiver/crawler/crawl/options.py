"""The options of one crawl, checked up front, and the Scrapy settings they turn into."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver import __version__
from archiver.core.errors import UsageError
from spiders.params import Param, SpiderArgumentError
from spiders.registry import discovery_spider, discovery_spiders, spider_params
from spiders.urls import listed_urls

__all__ = ["CrawlOptions", "CrawlOptionError", "polite_settings", "user_agent"]

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
    #: Fetch each page's requisites (images, stylesheets, fonts): ``--requisites``.
    requisites: bool = False
    #: Arguments of spiders other than the built-in ones (whose arguments are the fields above), by name.
    params: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        """Raise :class:`CrawlOptionError` (one line, naming the option) for anything unusable.

        The spider's target and arguments are checked by their :class:`~spiders.params.Param`
        declarations; an argument of another spider is refused.
        """
        spider = discovery_spider(self.discovery)
        if spider is None:
            raise CrawlOptionError(f"unknown way to find pages: {self.discovery!r}")
        try:
            checked = spider.target.read(self.target, spider.target.option)
            if not spider.target_is_file:
                self.target = checked
            taken = {param.name for param in spider.params}
            for param in spider_params():
                value = self.param(param)
                if not param.given(value):
                    continue
                if param.name not in taken:
                    users = [other.target.option for other in discovery_spiders().values()
                             if param.name in {p.name for p in other.params}]
                    raise CrawlOptionError(param.elsewhere.format(flag=param.option, spiders=_and(users)))
                param.read(value, param.option)
        except SpiderArgumentError as exc:
            raise CrawlOptionError(str(exc)) from None
        if self.max_pages is not None and self.max_pages < 1:
            raise CrawlOptionError("--max-pages must be 1 or more")
        if self.name is not None and not _NAME.match(self.name):
            raise CrawlOptionError(f"--name: use letters, digits, '.', '_' and '-' (up to 100): {self.name!r}")

    def param(self, param: Param) -> Any:
        """The value given for a spider argument: a field of its own (the built-in spiders'), else in ``params``."""
        if param.name in _FIELDS:
            return getattr(self, param.name)
        return self.params.get(param.name)

    @property
    def _target_is_file(self) -> bool:
        spider = discovery_spider(self.discovery)
        return bool(spider is not None and spider.target_is_file)

    @property
    def run_name(self) -> str:
        """The crawl's name: given, or made from the discovery method and the target's host (or file)."""
        if self.name:
            return self.name
        if self._target_is_file:
            return f"{self.discovery}-{Path(self.target).stem}"[:100]
        parts = urlsplit(self.target)
        host, port = parts.hostname or "site", parts.port
        return f"{self.discovery}-{host}{f'-{port}' if port else ''}"[:100]

    def listed_urls(self) -> list[str]:
        """The URLs of a ``--urls`` file: one a line, blank lines and ``#`` comments skipped."""
        return listed_urls(self.target)

    def spider_args(self) -> dict[str, Any]:
        """Keyword arguments for the discovery spider: its target and the arguments it takes, as given."""
        spider = discovery_spider(self.discovery)
        assert spider is not None, "check() first"
        target = str(Path(self.target).absolute()) if spider.target_is_file else self.target
        args: dict[str, Any] = {spider.target.name: target}
        for param in spider.params:
            value = self.param(param)
            args[param.name] = list(value) if isinstance(value, list | tuple) else value
        return args

    def recorded(self) -> dict[str, Any]:
        """The options as stored in the run's settings."""
        data = asdict(self)
        if self._target_is_file:
            data["target"] = str(Path(self.target).absolute())
        return data


_FIELDS = {"max_depth", "since", "allow", "deny"}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
