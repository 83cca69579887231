"""Start (or resume) a recorded crawl run and run it in this process.

A crawl is a ``crawl_runs`` row: ``kind`` is how pages are found (``sitemap``, ``feed``,
``site``, ``urls``), ``name`` the crawl's name, ``settings`` holds the start URL (or file),
the options, the run it resumes and its job directory. Scrapy keeps its queue and seen-URL
list in the job directory (``JOBDIR``, ``<archive>/jobs/<name>``) when a crawl is stopped with
Ctrl-C or SIGTERM, and picks them up on ``--resume``. A crawl killed outright (SIGKILL, power
loss) leaves that state half-written, so it is thrown away then, and the resumed crawl finds
its pages again from the start URL while :mod:`archiver.crawler.crawl.incremental` skips every URL
the earlier runs archived.
"""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.settings import Settings

from archiver.core.config import ArchiverConfig
from archiver.core.errors import CrawlError
from archiver.crawler.crawl.options import CrawlOptions, polite_settings
from archiver.crawler.crawl.report import CrawlObserver
from archiver.crawler.extraction_pool import start_extraction_workers
from archiver.crawler.runner import run_crawler_process
from spiders.registry import discovery_spider
from storage import Archive
from storage.catalogue import CrawlRun
from storage.processes import process_alive

__all__ = ["CrawlStartError", "ResumePlan", "crawl_settings", "plan_resume", "process_alive", "run_crawl"]

log = logging.getLogger(__name__)

INCREMENTAL_PRIORITY = 860  # before the budget: a skipped page is not a page of the budget
BUDGET_PRIORITY = 870  # below the capture middleware (880): counts what goes out
#: Priority of what the crawl's own options set: above the environment and archiver.toml
#: (:mod:`archiver.core.config`), below ``-s`` (``cmdline``).
OPTIONS_PRIORITY = 38


class CrawlStartError(CrawlError):
    """The crawl cannot start (nothing to resume, the same crawl is running, ...)."""


@dataclass(frozen=True)
class ResumePlan:
    """What a ``--resume`` continues: the runs whose URLs are skipped, and whether JOBDIR state is usable."""

    previous: int | None
    runs: list[int]
    keep_jobdir: bool


def _still_running(run: CrawlRun) -> bool:
    return run.status == "running" and run.hostname == socket.gethostname() and process_alive(run.pid)


def plan_resume(archive: Archive, name: str) -> ResumePlan:
    """The resume plan for crawl ``name``; a run left "running" by a dead process is marked ``killed``.

    ``runs`` shows such a run as ``killed`` while it is left (:func:`archiver.services.records.run_status`);
    the status is written down here, before another process of the same name takes its place.
    """
    catalogue = archive.catalogue
    run = catalogue.previous_run(name)
    if run is None:
        raise CrawlStartError(f"no earlier crawl named {name!r} to resume (see `archiver runs`)")
    if _still_running(run):
        raise CrawlStartError(f"crawl {name!r} is still running (run {run.id}, pid {run.pid})")
    killed = run.status == "running"
    if killed:
        catalogue.merge_run_stats(run.id, {"ended": "killed: the process was gone"}, status="killed")
    chain = catalogue.resume_chain(run.id)
    # Scrapy saves its queue only when it stops cleanly.
    keep = not killed and (run.stats or {}).get("close_reason") == "shutdown"
    return ResumePlan(previous=run.id, runs=chain, keep_jobdir=keep)


def _fresh_start(archive: Archive, name: str) -> ResumePlan:
    """A new crawl of ``name`` (refused while another process is running one: they share a JOBDIR)."""
    run = archive.catalogue.previous_run(name)
    if run is not None and _still_running(run):
        raise CrawlStartError(f"crawl {name!r} is already running (run {run.id}, pid {run.pid}); "
                              "give this one another --name")
    return ResumePlan(None, [], False)


def crawl_settings(options: CrawlOptions, overrides: Mapping[str, Any], *,
                   config: ArchiverConfig | None = None) -> Settings:
    """The crawl's Scrapy settings, highest first: ``-s``, the crawl's options and ``overrides``
    (the command's), the environment, archiver.toml, politeness, the archiver's defaults.

    ``config``: the loaded config (by default loaded now, with ``overrides`` as its options).
    """
    if config is None:
        config = ArchiverConfig.load(options=overrides)
    settings = config.scrapy_settings()
    contact = settings.get("ARCHIVER_CONTACT")
    for name, value in polite_settings(contact).items():
        settings.set(name, value, priority="spider")
    middlewares = {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                   "archiver.crawler.crawl.incremental.IncrementalMiddleware": INCREMENTAL_PRIORITY}
    if options.max_pages:
        middlewares["archiver.crawler.crawl.budget.PageBudgetMiddleware"] = BUDGET_PRIORITY
    settings.set("DOWNLOADER_MIDDLEWARES", middlewares, priority="spider")
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "archiver.crawler.crawl.report.CrawlReport": 500},
                 priority="spider")
    own = {
        "ARCHIVER_CRAWL_REPORT_ENABLED": True,
        "ARCHIVER_RUN_KIND": options.discovery,
        "ARCHIVER_RUN_NAME": options.run_name,
        **({"ARCHIVER_MAX_PAGES": options.max_pages} if options.max_pages else {}),
        **({"ARCHIVER_REFRESH": True} if options.refresh else {}),
        **({"ARCHIVER_REQUISITES_ENABLED": True} if options.requisites else {}),
        **{name: value for name, value in overrides.items() if not _is_option(config, name)},
    }
    settings.update(own, priority=OPTIONS_PRIORITY)
    for name, value in overrides.items():
        if _is_option(config, name):
            settings.set(name, value, priority="cmdline")
    if not contact:
        log.info("no ARCHIVER_CONTACT set: the User-Agent names the project only; set it to an e-mail or URL "
                 "where site owners can reach you")
    return settings


def _is_option(config: ArchiverConfig, name: str) -> bool:
    """Whether ``name`` was given with ``-s`` (or as another option) when ``config`` was loaded."""
    return config.source_of(name).startswith("option") or name in config.scrapy


def run_crawl(options: CrawlOptions, overrides: Mapping[str, Any], *, config: ArchiverConfig | None = None,
              archive: Archive | None = None, observer: CrawlObserver | None = None,
              frontier: Mapping[str, Any] | None = None, spider_args: Mapping[str, Any] | None = None) -> int:
    """Run the crawl ``options`` describe (options already checked); return its run id.

    ``config`` and ``overrides``: see :func:`crawl_settings`. ``archive``: the open archive to
    crawl into (the command's; without one, one is opened for the crawl and closed after).
    ``frontier``: settings from :func:`archiver.crawler.crawl.frontier.frontier_settings`; the queue and
    seen URLs then live in Redis, shared with the other processes of the crawl (no JOBDIR, and
    several processes may run a crawl of one name). ``spider_args`` replace the options' own
    (``archiver worker`` builds its spider from what the crawl published).
    Blocks until the crawl ends. The Twisted reactor cannot be restarted: call once per process.
    Raises :class:`storage.DiskFullError` when a write found the disk full (the crawl stopped there).
    """
    settings = crawl_settings(options, overrides, config=config)
    start_extraction_workers(settings)
    own = archive is None
    if archive is None:
        archive = Archive(ArchiverConfig.from_scrapy_settings(settings).storage)
    try:
        return _crawl_into(archive, options, settings, observer=observer, frontier=frontier, spider_args=spider_args)
    finally:
        if own:
            archive.close()


def _crawl_into(archive: Archive, options: CrawlOptions, settings: Settings, *, observer: CrawlObserver | None,
                frontier: Mapping[str, Any] | None, spider_args: Mapping[str, Any] | None) -> int:
    name = options.run_name
    if frontier:
        plan = ResumePlan(None, [], False)
    else:
        plan = plan_resume(archive, name) if options.resume else _fresh_start(archive, name)
    jobdir = archive.config.home / "jobs" / name
    if not frontier and not plan.keep_jobdir and jobdir.exists():
        shutil.rmtree(jobdir)
    run_id = archive.start_run(options.discovery, name=name, settings={
        "start": options.recorded()["target"], "options": options.recorded(),
        "resumed_from": plan.previous, "jobdir": None if frontier else str(jobdir),
        **({"frontier": frontier["ARCHIVER_FRONTIER_NAME"]} if frontier else {}),
    })
    if frontier:
        frontier = dict(frontier)
        middlewares = {**settings.getdict("SPIDER_MIDDLEWARES"), **frontier.pop("SPIDER_MIDDLEWARES", {})}
        settings.update(frontier, priority="cmdline")
        settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    else:
        settings.set("JOBDIR", str(jobdir), priority="cmdline")
    settings.set("ARCHIVER_RUN_ID", run_id, priority="cmdline")
    settings.set("ARCHIVER_RESUME_RUNS", plan.runs, priority="cmdline")
    run_crawler_process(settings, discovery_spider(options.discovery),
                        dict(spider_args) if spider_args is not None else options.spider_args(),
                        archive=archive, observer=observer)
    if archive.disk_full is not None:  # the crawl stopped at the first write that found no space
        raise archive.disk_full
    _close_if_left_open(archive, run_id)
    return run_id


def _close_if_left_open(archive: Archive, run_id: int) -> None:
    """A crawl that never got going (its spider failed to start) is recorded as failed."""
    archive.catalogue.fail_if_running(run_id, {"ended": "the crawl did not start"})
