"""Where a crawl's extraction workers come from: what their forkserver preloads, and its early start.

A light module on purpose: the CLI imports it (through :mod:`archiver.crawler.runner`) for every
command, and the extractor itself (trafilatura, lxml, the language model) must not come with it.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings

from archiver.crawler.workers import start_forkserver

__all__ = ["WORKER_PRELOAD", "start_extraction_workers"]

#: What every extraction worker starts with: its forkserver imports it once.
WORKER_PRELOAD = ["archiver.extraction.worker_preload"]

_PIPELINE = "archiver.crawler.pipelines.ExtractionPipeline"


def start_extraction_workers(settings: BaseSettings) -> None:
    """Start the extraction workers' forkserver now, if these settings will run the pipeline in processes.

    Called before the crawler is built, the forkserver loads the extractor (about a second of
    CPU) on the core that Scrapy's single-threaded start-up leaves idle, instead of during the
    first pages; the pipeline then finds it running.
    """
    pipelines = settings.getwithbase("ITEM_PIPELINES")
    enabled = any(_path(key) == _PIPELINE and pipelines[key] is not None for key in pipelines)
    if enabled and settings.getbool("ARCHIVER_EXTRACT_ENABLED", True) \
            and settings.getint("ARCHIVER_EXTRACT_WORKERS", 2) > 0:
        start_forkserver(WORKER_PRELOAD)


def _path(component: object) -> object:
    """A pipeline given as a class or as its import path, as its import path."""
    return f"{component.__module__}.{component.__qualname__}" if isinstance(component, type) else component
