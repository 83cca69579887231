"""Downloader middleware: stop a crawl before the disk that holds the archive is full.

When less than ``ARCHIVER_MIN_FREE`` (default 1 GB; ``0`` switches the floor off) is free on
the file system of the WARC directory or of the archive's home (where a SQLite catalogue
lives), no further request is sent and the spider closes with the reason ``min_free``: the run
is recorded as ``min-free``, as a crawl stopped by ``--max-pages`` is recorded as
``max-pages``. Responses already on their way are archived and extracted as usual (they come
out of the room the floor keeps). The floor is checked before every request: one ``statvfs``.

A write that finds the disk full all the same (the floor off, another process filling the
disk) stops the crawl there: see :class:`archiver.crawler.capture.session.ArchiveSession`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.defer import deferred_from_coro

from archiver.core.errors import ConfigError
from archiver.crawler.capture.session import archive_session
from storage.config import parse_size
from storage.diskspace import format_size, free_bytes

__all__ = ["CLOSE_REASON", "FreeSpaceMiddleware", "lowest_free"]

log = logging.getLogger(__name__)

CLOSE_REASON = "min_free"


def lowest_free(directories: list[Path]) -> tuple[Path, int] | None:
    """The directory among ``directories`` with the least free space, and that space (None: unknown)."""
    known = [(directory, free) for directory in directories if (free := free_bytes(directory)) is not None]
    return min(known, key=lambda pair: pair[1]) if known else None


class FreeSpaceMiddleware:
    """Drops every request once the archive's disk has less than ``min_free`` bytes free, and closes the spider."""

    def __init__(self, crawler: Crawler, min_free: int) -> None:
        self.crawler = crawler
        self.min_free = min_free
        self._closing = False
        self._directories: list[Path] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> FreeSpaceMiddleware:
        value = crawler.settings.get("ARCHIVER_MIN_FREE", 0)
        try:
            min_free = parse_size(value if isinstance(value, int) else str(value or 0), allow_zero=True)
        except ConfigError as exc:
            raise ConfigError(str(exc.reason), setting="ARCHIVER_MIN_FREE") from None
        if min_free <= 0:
            raise NotConfigured  # without a reason: Scrapy would print one as a warning on every run
        return cls(crawler, min_free)

    def process_request(self, request: Request) -> None:
        if self._closing:
            raise IgnoreRequest(f"below ARCHIVER_MIN_FREE: {request.url} not fetched")
        lowest = lowest_free(self.directories())
        if lowest is None or lowest[1] >= self.min_free:
            return None
        directory, free = lowest
        self._closing = True
        message = (f"stopping: {format_size(free)} free on {directory}, below ARCHIVER_MIN_FREE "
                   f"({format_size(self.min_free)})")
        log.warning("%s", message)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("archiver/min_free_reached", message)
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=CLOSE_REASON))
        raise IgnoreRequest(f"below ARCHIVER_MIN_FREE: {request.url} not fetched")

    def directories(self) -> list[Path]:
        """Where the archive writes: its WARC directory and its home (the SQLite catalogue's place)."""
        if self._directories is None:
            config = archive_session(self.crawler).archive.config
            self._directories = [config.warc_dir, config.home]
        return self._directories
