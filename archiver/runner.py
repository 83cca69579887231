"""Run a spider in this process with the archiver's settings, inside a recorded crawl run."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archiver.config import storage_config_from_settings
from storage import Archive

__all__ = ["archiver_settings", "run_spider"]

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
    with Archive(storage_config_from_settings(settings)) as archive:
        run_id = archive.start_run(kind, name=settings.get("ARCHIVER_RUN_NAME") or kind,
                                   settings=dict(run_settings))
    settings.set("ARCHIVER_RUN_ID", run_id, priority="cmdline")
    # Scrapy installs its own root handler at LOG_LEVEL; drop ours so nothing prints twice.
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    process = CrawlerProcess(settings)
    process.crawl(spidercls, **spider_args)
    process.start()
    return run_id
