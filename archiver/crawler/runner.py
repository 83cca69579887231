"""Run a spider in this process with the archiver's settings, inside a recorded crawl run."""

from __future__ import annotations

import gc
import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.core.config import storage_config_from_settings
from archiver.crawler.extraction_pool import start_extraction_workers
from storage import Archive

__all__ = ["archiver_settings", "run_crawler_process", "run_spider"]

log = logging.getLogger(__name__)


def archiver_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """The archiver's Scrapy settings with ``overrides`` applied at command-line priority."""
    settings = Settings()
    settings.setmodule("archiver.settings", priority="project")
    settings.update(dict(overrides or {}), priority="cmdline")
    return settings


def run_spider(spidercls: type, settings: Settings, *, kind: str, run_settings: Mapping[str, Any],
               **spider_args: Any) -> int:
    """Start a crawl run of ``kind``, crawl with ``spidercls`` until done, return the run id.

    Blocks until the crawl ends; the Twisted reactor cannot be restarted, so call this once
    per process.
    """
    start_extraction_workers(settings)
    with Archive(storage_config_from_settings(settings)) as archive:
        run_id = archive.start_run(kind, name=settings.get("ARCHIVER_RUN_NAME") or kind,
                                   settings=dict(run_settings))
    settings.set("ARCHIVER_RUN_ID", run_id, priority="cmdline")
    run_crawler_process(settings, spidercls, spider_args)
    return run_id


def run_crawler_process(settings: Settings, spidercls: type, spider_args: Mapping[str, Any]) -> None:
    """Crawl with ``spidercls`` in a Scrapy ``CrawlerProcess`` until done, logging through Scrapy's handler only.

    Scrapy installs its own root handler at ``LOG_LEVEL``, so ours is dropped (nothing prints
    twice). It also leaves its loggers at DEBUG and lets that handler do the filtering, so every
    page would build log records nobody sees: once the crawler has its settings, the loggers
    are set to ``LOG_LEVEL`` instead.

    While the crawl runs, what start-up left in memory (Scrapy, Twisted, SQLAlchemy, the
    extractor's modules, the crawler's components: some 200,000 objects) is frozen out of the
    garbage collector's sight (:func:`gc.freeze`). Otherwise each full collection walks all of
    it: 110-140 ms every few seconds, during which the crawler stands still and the extraction
    workers run out of pages (3-6% of a crawl's speed). What the crawl itself creates is
    collected as before.
    """
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    process = CrawlerProcess(settings)
    deferred = process.crawl(spidercls, **spider_args)
    deferred.addErrback(lambda failure: log.error("the crawl failed: %s", failure.getErrorMessage()))
    for crawler in process.crawlers:
        level = crawler.settings.get("LOG_LEVEL") or "DEBUG"
        logging.root.setLevel(level)
        logging.getLogger("scrapy").setLevel(level)
    gc.collect()  # start-up's own garbage is not kept for ever
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
