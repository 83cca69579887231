"""Run a spider in this process with the archiver's settings, inside a recorded crawl run.

The caller's :class:`storage.Archive`, when it passes one, is the archive the crawler writes to
(attached to the crawler, see :func:`archiver.crawler.capture.session.attach_archive`), so one
command opens the catalogue once; without one, the crawler opens its own from its settings.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from archiver.core.config import ArchiverConfig
from archiver.crawler.extraction_pool import start_extraction_workers
from archiver.crawler.offline import use_bundled_suffix_list
from storage import Archive

__all__ = ["archiver_settings", "run_crawler_process", "run_spider"]

log = logging.getLogger(__name__)


def archiver_settings(overrides: Mapping[str, Any] | None = None, *, config: ArchiverConfig | None = None) -> Settings:
    """The archiver's Scrapy settings (``config``'s, by default the one loaded now) with ``overrides`` on top."""
    return (config or ArchiverConfig.load()).scrapy_settings(overrides)


def run_spider(spidercls: type, settings: Settings, *, kind: str, run_settings: Mapping[str, Any],
               archive: Archive | None = None, **spider_args: Any) -> int:
    """Start a crawl run of ``kind`` in ``archive``, crawl with ``spidercls`` until done, return the run id.

    Blocks until the crawl ends; the Twisted reactor cannot be restarted, so call this once
    per process. Without ``archive``, one is opened from ``settings`` for the run and closed after.
    Raises :class:`storage.DiskFullError` when a write found the disk full (the crawl stopped there).
    """
    start_extraction_workers(settings)
    own = archive is None
    if archive is None:
        archive = Archive(ArchiverConfig.from_scrapy_settings(settings).storage)
    try:
        run_id = archive.start_run(kind, name=settings.get("ARCHIVER_RUN_NAME") or kind,
                                   settings=dict(run_settings))
        settings.set("ARCHIVER_RUN_ID", run_id, priority="cmdline")
        run_crawler_process(settings, spidercls, spider_args, archive=archive)
        if archive.disk_full is not None:  # the crawl stopped at the first write that found no space
            raise archive.disk_full
    finally:
        if own:
            archive.close()
    return run_id


def run_crawler_process(settings: Settings, spidercls: type, spider_args: Mapping[str, Any], *,
                        archive: Archive | None = None, observer: Any = None) -> None:
    """Crawl with ``spidercls`` in a Scrapy ``CrawlerProcess`` until done, logging through Scrapy's handler only.

    ``archive``: the open archive the crawler writes to (else it opens its own). ``observer``:
    an object with ``page(event)`` and ``progress(counts)``, connected to the crawl report's
    signals (:mod:`archiver.crawler.crawl.report`).

    Scrapy installs its own root handler at ``LOG_LEVEL``, so ours is dropped (nothing prints
    twice). It also leaves its loggers at DEBUG and lets that handler do the filtering, so every
    page would build log records nobody sees: once the crawler has its settings, the loggers
    are set to ``LOG_LEVEL`` instead (Scrapy's own to ``ARCHIVER_SCRAPY_LOG_LEVEL`` when higher).

    While the crawl runs, what start-up left in memory (Scrapy, Twisted, SQLAlchemy, the
    extractor's modules, the crawler's components: some 200,000 objects) is frozen out of the
    garbage collector's sight (:func:`gc.freeze`). Otherwise each full collection walks all of
    it: 110-140 ms every few seconds, during which the crawler stands still and the extraction
    workers run out of pages (3-6% of a crawl's speed). What the crawl itself creates is
    collected as before.
    """
    use_bundled_suffix_list()
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    process = CrawlerProcess(settings)
    target: Crawler | type = spidercls
    if archive is not None or observer is not None:
        target = _prepared_crawler(process, spidercls, archive=archive, observer=observer)
    deferred = process.crawl(target, **spider_args)
    deferred.addErrback(lambda failure: log.error("the crawl failed: %s", failure.getErrorMessage()))
    for crawler in process.crawlers:
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        logging.root.setLevel(level)
        scrapy_level = crawler.settings.get("ARCHIVER_SCRAPY_LOG_LEVEL") or level
        logging.getLogger("scrapy").setLevel(max(_level_number(level), _level_number(scrapy_level)))
    gc.collect()  # start-up's own garbage is not kept for ever
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()


def _level_number(level: int | str) -> int:
    """A log level given as a number or a name (``"WARNING"``) as its number."""
    if isinstance(level, int):
        return level
    number = logging.getLevelName(str(level).upper())
    return number if isinstance(number, int) else logging.DEBUG


def _prepared_crawler(process: CrawlerProcess, spidercls: type, *, archive: Archive | None,
                      observer: Any) -> Crawler:
    from archiver.crawler.capture.session import attach_archive
    from archiver.crawler.crawl.report import crawl_page, crawl_progress

    crawler = process.create_crawler(spidercls)
    if archive is not None:
        attach_archive(crawler, archive)
    if observer is not None:
        crawler.signals.connect(observer.page, signal=crawl_page, weak=False)
        crawler.signals.connect(observer.progress, signal=crawl_progress, weak=False)
    return crawler
