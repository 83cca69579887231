"""Archive-on-demand: check the URLs, then run ``archiver archive --json`` in a subprocess.

Scrapy's Twisted reactor cannot be restarted in one process, so every job is a fresh
``python -m archiver archive`` with the target guard on (:mod:`archiver.crawler.capture.targets`):
each request of the crawl, each redirect hop included, is checked against the addresses its
host resolves to, and each response against the address it came from.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from archiver.core.errors import JobError
from archiver.crawler.capture.targets import REFUSED, BlockedTarget, TargetPolicy
from archiver.web.config import WebConfig

__all__ = ["ArchiveJobError", "ArchiveResult", "JobRunner", "check_targets"]

log = logging.getLogger(__name__)


class ArchiveJobError(JobError):
    """An archive job that could not run or finish; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str, captures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.http_status = status
        self.captures = captures or []


@dataclass
class ArchiveResult:
    """The captures one job made (the ``archiver archive --json`` objects, one per URL)."""

    captures: list[dict[str, Any]] = field(default_factory=list)


def check_targets(urls: list[str], policy: TargetPolicy, max_urls: int) -> list[str]:
    """The URLs, validated and normalised; raises :class:`ArchiveJobError` (400) for a bad or refused one.

    Resolves host names (blocking: call from a worker thread).
    """
    from spiders.urls import validate_url

    if not urls:
        raise ArchiveJobError(400, "give at least one URL")
    if len(urls) > max_urls:
        raise ArchiveJobError(400, f"at most {max_urls} URLs per request")
    checked = []
    for url in urls:
        try:
            target = validate_url(url)
        except ValueError as exc:
            raise ArchiveJobError(400, str(exc)) from None
        try:
            policy.check_url(target)
        except BlockedTarget as exc:
            raise ArchiveJobError(400, str(exc)) from None
        checked.append(target)
    return checked


class JobRunner:
    """Runs archive jobs, at most ``concurrency`` at once (more is 429: try later)."""

    def __init__(self, config: WebConfig, *, concurrency: int = 2) -> None:
        self.config = config
        self._slots = asyncio.Semaphore(concurrency)

    async def archive(self, urls: list[str], *, browser: str = "auto", screenshot: bool = True) -> ArchiveResult:
        """Check ``urls``, archive them (``browser``: ``--browser`` of the job; a screenshot of each page
        unless ``screenshot`` is False), return their captures; :class:`ArchiveJobError` otherwise."""
        targets = await asyncio.to_thread(check_targets, urls, self.config.target_policy, self.config.max_urls)
        if self._slots.locked():
            raise ArchiveJobError(429, "archive jobs are running already: try again in a minute")
        async with self._slots:
            return await self._run(targets, browser, screenshot=screenshot)

    def _command(self, targets: list[str], browser: str = "auto", *, screenshot: bool = True) -> list[str]:
        # `archiver archive` keeps each page's requisites too (ARCHIVER_REQUISITES_ENABLED), guarded alike,
        # and its screenshot, made from the archive alone (ARCHIVER_SCREENSHOT) unless asked not to.
        # The browser's own requests go through the same downloader, so the guard below covers them too.
        return [sys.executable, "-m", "archiver", "archive", "--json", "--browser", browser,
                *([] if screenshot else ["--no-screenshot"]),
                "-s", "ARCHIVER_TARGET_GUARD_ENABLED=true",
                "-s", f"ARCHIVER_ALLOW_PRIVATE_TARGETS={self.config.allow_private_targets}",
                "--", *targets]

    def _environment(self) -> dict[str, str]:
        storage = self.config.storage
        return {**os.environ, "ARCHIVER_HOME": str(storage.home), "ARCHIVER_DATABASE_URL": storage.database_url,
                "ARCHIVER_WARC_DIR": str(storage.warc_dir), "NO_COLOR": "1"}

    async def _run(self, targets: list[str], browser: str = "auto", *, screenshot: bool = True) -> ArchiveResult:
        log.info("archiving %d URL(s) on request: %s", len(targets), " ".join(targets))
        process = await asyncio.create_subprocess_exec(
            *self._command(targets, browser, screenshot=screenshot), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=self._environment())
        try:
            stdout, stderr = await asyncio.wait_for(process.communicate(), self.config.archive_timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise ArchiveJobError(504, f"archiving took longer than {self.config.archive_timeout:g} s") from None
        errors = stderr.decode("utf-8", "replace").strip()
        if process.returncode not in (0, 1):
            last = errors.splitlines()[-1] if errors else f"exit status {process.returncode}"
            raise ArchiveJobError(400 if process.returncode == 2 else 500, last)
        captures = [json.loads(line) for line in stdout.decode("utf-8").splitlines() if line.strip()]
        refused = [c for c in captures if str(c.get("error") or "").startswith(REFUSED)]
        if refused:
            raise ArchiveJobError(400, "; ".join(str(c["error"]).removeprefix(f"{REFUSED}: ") for c in refused),
                                  captures)
        return ArchiveResult(captures)
