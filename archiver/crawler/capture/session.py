"""One :class:`storage.Archive` per running crawler, shared by the capture middleware and pipeline.

The archive is the one the command opened and attached to the crawler
(:func:`attach_archive`: one catalogue, one migration check per process); in a plain Scrapy
project (``scrapy crawl``) it is opened on first use with the crawler's settings. The crawl
run it records into is the one named by ``ARCHIVER_RUN_ID`` or a new one. When the spider
closes the run is marked finished, and an archive the session opened itself is closed.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.spiders import Spider
from scrapy.utils.defer import deferred_from_coro

from archiver import __version__
from archiver.core.config import ArchiverConfig
from archiver.crawler.offline import use_bundled_suffix_list
from storage import Archive, DiskFullError
from storage.catalogue import Capture

__all__ = ["DISK_FULL", "ArchiveSession", "archive_session", "attach_archive"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_SESSIONS: weakref.WeakKeyDictionary[Crawler, ArchiveSession] = weakref.WeakKeyDictionary()
_ATTACHED: weakref.WeakKeyDictionary[Crawler, Archive] = weakref.WeakKeyDictionary()

#: Close reason of a crawl stopped by a write that found the disk full.
DISK_FULL = "disk_full"
# Spider close reasons and the run status they mean.
_RUN_STATUS = {"finished": "finished", "shutdown": "interrupted", "closespider_pagecount": "finished",
               "closespider_itemcount": "finished", "closespider_timeout": "finished",
               "max_pages": "max-pages", "min_free": "min-free", DISK_FULL: "failed"}


_RECENT_CAPTURES = 1000  # captures waiting for the pipeline; older ones are read back from the catalogue


@dataclass
class ArchiveSession:
    """The archive a crawler writes to and the crawl run its captures belong to.

    The capture middleware hands each capture it writes to the item pipeline through
    :meth:`remember` / :meth:`recall`, so the pipeline does not read back, row by row, what
    was written a moment before. Only the reactor thread calls them; the hand-off keeps the
    latest captures only, and a capture it no longer holds is read from the catalogue.

    The middlewares and pipelines make their blocking catalogue calls through :meth:`call`,
    on one thread of the session's own. With a thread per call (``asyncio.to_thread``) up to
    six threads took turns at the GIL and at SQLite's write lock, and the crawler process
    spent 0.5-0.8 ms more CPU per page.
    """

    archive: Archive
    run_id: int
    owns_archive: bool = True
    _recent: OrderedDict[int, Capture] = field(default_factory=OrderedDict, repr=False)
    _catalogue: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="catalogue"), repr=False)

    #: Called with the first :class:`DiskFullError` a call raises (the crawl stops there).
    on_disk_full: Callable[[DiskFullError], None] | None = field(default=None, repr=False)
    #: The first write that found the disk full, if one did.
    disk_full: DiskFullError | None = None

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)``, a blocking catalogue call, on the session's catalogue thread.

        A :class:`DiskFullError` it raises stops the crawl (the first one: see :attr:`on_disk_full`)
        and is raised on: callers drop what they were writing, without a traceback.
        """
        try:
            return await asyncio.get_running_loop().run_in_executor(self._catalogue, fn, *args)
        except DiskFullError as exc:
            if self.disk_full is None:
                self.disk_full = exc
                if self.on_disk_full is not None:
                    self.on_disk_full(exc)
            raise

    def remember(self, capture: Capture) -> None:
        """Keep ``capture`` (as just written) for the pipeline."""
        self._recent[capture.id] = capture
        while len(self._recent) > _RECENT_CAPTURES:
            self._recent.popitem(last=False)

    def recall(self, capture_id: int) -> Capture | None:
        """The capture the middleware wrote with this id, once; None when it is not held."""
        return self._recent.pop(capture_id, None)

    def close(self, reason: str, stats: dict[str, Any]) -> None:
        """Mark the run finished (or interrupted/failed); close the archive if the session opened it."""
        try:
            self._catalogue.shutdown(wait=True)
            if self.disk_full is not None:
                stats = {**stats, "error": str(self.disk_full)}
            self.archive.finish_run(self.run_id, status=_RUN_STATUS.get(reason, "failed"),
                                    stats={"close_reason": reason, **stats})
        except DiskFullError as exc:  # the catalogue's disk is full too: the run is left "running" (killed)
            log.info("could not record how run %d ended: %s", self.run_id, exc)
        finally:
            if self.owns_archive:
                self.archive.close()


#: Scrapy's loggers that report its own writes (the JOBDIR queue and spider state) failing.
_SCRAPY_WRITERS = ("scrapy.core.engine", "scrapy.core.scraper", "scrapy.utils.signal")


def _quiet_no_space(record: logging.LogRecord) -> bool:
    """Drop a log record whose exception is a full disk: once the crawl stops for one, Scrapy's
    own attempts to save its queue in JOBDIR (on the same disk) fail the same way, and the command
    says it once, in one line. Any other record passes."""
    error = record.exc_info[1] if record.exc_info else None
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            log.debug("after the disk filled up: %s", record.getMessage())
            return False
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return True


def _stop_on_full_disk(crawler: Crawler, exc: DiskFullError) -> None:
    """Close the spider at the first write that found no space: what is in flight is dropped.

    Nothing is logged here: the command says it once, in one line (the archive remembers the
    error: :attr:`storage.Archive.disk_full`).
    """
    if crawler.stats is not None:
        crawler.stats.set_value("archiver/disk_full", str(exc))
    for name in _SCRAPY_WRITERS:
        logging.getLogger(name).addFilter(_quiet_no_space)
    if crawler.engine is not None:
        deferred_from_coro(crawler.engine.close_spider_async(reason=DISK_FULL))


def attach_archive(crawler: Crawler, archive: Archive) -> None:
    """Have ``crawler`` write to ``archive`` (open, owned and closed by the caller) instead of opening its own."""
    _ATTACHED[crawler] = archive


def archive_session(crawler: Crawler) -> ArchiveSession:
    """The crawler's archive session, opened on first call."""
    session = _SESSIONS.get(crawler)
    if session is not None:
        return session
    settings = crawler.settings
    warcinfo = {
        "isPartOf": settings.get("ARCHIVER_RUN_NAME") or crawler.spidercls.name,
        "http-header-user-agent": settings.get("USER_AGENT"),
        "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
        "description": f"news-archiver {__version__}, spider {crawler.spidercls.name}",
    }
    use_bundled_suffix_list()
    archive = _ATTACHED.pop(crawler, None)
    owns = archive is None
    if archive is None:
        archive = Archive(ArchiverConfig.from_scrapy_settings(settings).storage, warcinfo=warcinfo)
    else:
        archive.describe(warcinfo)
    run_id = settings.getint("ARCHIVER_RUN_ID") or archive.start_run(
        settings.get("ARCHIVER_RUN_KIND", "crawl"), name=settings.get("ARCHIVER_RUN_NAME") or crawler.spidercls.name,
    )
    session = ArchiveSession(archive=archive, run_id=run_id, owns_archive=owns,
                             on_disk_full=lambda exc: _stop_on_full_disk(crawler, exc))
    _SESSIONS[crawler] = session

    def _closed(spider: Spider, reason: str) -> None:
        stats = crawler.stats.get_stats() if crawler.stats else {}
        _SESSIONS.pop(crawler, None)
        kept = ("archiver/", "downloader/", "item_", "robotstxt/")
        session.close(reason, {k: v for k, v in stats.items() if k.startswith(kept)})

    # Connected after the pipeline's and middleware's own handlers: closes last.
    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    log.info("archiving into %s (run %d)", archive.config.home, run_id)
    return session
