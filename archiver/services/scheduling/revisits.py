"""The scheduler's revisits: due URLs fetched again as ``archiver crawl --urls FILE --refresh`` runs.

Each pass :meth:`RevisitRunner.start_due` leases due revisits (one conditional ``UPDATE`` each,
:func:`storage.catalogue.changes.claim_revisit`), groups them by host and starts one child crawl
per host with at most ``batch`` URLs: never two revisit runs of one site at once, and inside a
run the crawl's own politeness (robots.txt, download delay, AutoThrottle, per-domain
concurrency) applies. ``--refresh`` makes the crawl fetch pages archived recently too; it still
asks "changed?" with ``If-None-Match``/``If-Modified-Since``, so an unchanged page costs a 304,
archived as a revisit. The crawl's pipeline then records any change (:mod:`archiver.crawler.changes.record`).

When the child ends each URL moves to the policy's next offset after *now* (a scheduler that
was down skips missed steps instead of fetching the page several times), or ends its plan
after the last one. A run that failed (non-zero exit: e.g. the catalogue was down, or a crawl
of that name was running already) is tried again :data:`RETRY_AFTER` later, until the plan's
last offset has passed. Leases are renewed while the run lasts and given back at the end.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from archiver.services.scheduling.child import ChildRun
from archiver.services.scheduling.config import SchedulerConfig
from storage.catalogue import Catalogue, Database, Revisit, utcnow

__all__ = ["RETRY_AFTER", "RevisitRunner", "next_step", "retry_step"]

log = logging.getLogger(__name__)

#: How long after a failed revisit run its URLs are tried again.
RETRY_AFTER = timedelta(minutes=15)


def next_step(revisit: Revisit, now: datetime) -> tuple[int, datetime | None]:
    """The step after a revisit run at ``now``: the first offset still ahead, or None when the plan is over."""
    offsets = list(revisit.policy or [])
    for index in range(revisit.step + 1, len(offsets)):
        due = revisit.first_archived_at + timedelta(seconds=offsets[index])
        if due > now:
            return index, due
    return len(offsets), None


def retry_step(revisit: Revisit, now: datetime) -> tuple[int, datetime | None]:
    """After a failed run at ``now``: the same step :data:`RETRY_AFTER` later, or None past the plan's end."""
    offsets = list(revisit.policy or [])
    if not offsets or now >= revisit.first_archived_at + timedelta(seconds=offsets[-1]):
        return len(offsets), None
    return revisit.step, now + RETRY_AFTER


#: Exit codes of ``archiver crawl`` that mean the batch was fetched: 0, and 3 when some of its
#: pages failed or answered 4xx/5xx (recorded as such; see docs/exit-codes.md).
CRAWL_RAN = (0, 3)


@dataclass
class _Batch:
    host: str
    child: ChildRun
    revisit_ids: list[int]
    url_file: Path
    next_renewal: float = 0.0
    urls: list[str] = field(default_factory=list)


class RevisitRunner:
    """Starts and tends revisit runs for a :class:`archiver.services.scheduling.daemon.Scheduler` (same thread)."""

    def __init__(self, db: Database, config: SchedulerConfig, *, owner: str, work_dir: Path,
                 clock: Callable[[], datetime] = utcnow, environ: Mapping[str, str] | None = None,
                 log_dir: Path | None = None, child_stdout: int | None = None, batch: int = 50) -> None:
        self.db = db
        self.catalogue = Catalogue(db)
        self.config = config
        self.owner = owner
        self.work_dir = work_dir
        self.clock = clock
        self.environ = dict(os.environ if environ is None else environ)
        self.log_dir = log_dir
        self.child_stdout = child_stdout
        self.batch = batch
        self.running: dict[str, _Batch] = {}
        #: (host, exit status, URLs) of each revisit run that ended, for reports and tests.
        self.finished: list[tuple[str, int, list[str]]] = []

    def start_due(self, *, room: int, due_by: datetime | None = None) -> int:
        """Lease due revisits and start up to ``room`` runs (one per host); return how many started."""
        now = self.clock()
        if room <= 0:
            return 0
        due = [(r.id, r.url, r.host_key or "") for r in self.catalogue.due_revisits(due_by or now)]
        by_host: dict[str, list[tuple[int, str]]] = {}
        for revisit_id, url, host in due:
            if host not in self.running:
                by_host.setdefault(host, []).append((revisit_id, url))
        started = 0
        for host, candidates in by_host.items():
            if started >= room:
                break
            claimed: list[tuple[int, str]] = []
            lease_until = now + timedelta(seconds=self.config.lease)
            for revisit_id, url in candidates[:self.batch]:
                if self.catalogue.claim_revisit(revisit_id, owner=self.owner, now=due_by or now,
                                                lease_until=lease_until):
                    claimed.append((revisit_id, url))
            if claimed and self._spawn(host, claimed, now):
                started += 1
        return started

    def _spawn(self, host: str, claimed: list[tuple[int, str]], now: datetime) -> bool:
        site = ".".join(reversed(host.split("."))) or "unknown"
        stamp = f"{now:%Y%m%dT%H%M%S%fZ}"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        url_file = self.work_dir / f"{site}-{stamp}.txt"
        url_file.write_text("".join(f"{url}\n" for _, url in claimed), encoding="utf-8")
        argv = self.config.argv(["--urls", str(url_file), "--name", f"revisit-{site}", "--refresh"])
        log_file = self.log_dir / f"{site}-{stamp}.log" if self.log_dir is not None else None
        try:
            child = ChildRun.start(argv, schedule_id=0, schedule_name=f"revisit {site}", started_at=utcnow(),
                                   env=self.environ, log_file=log_file, stdout=self.child_stdout)
        except OSError as exc:
            log.error("revisits of %s: cannot start %s: %s", site, argv[0], exc)
            self.catalogue.release_revisits([revisit_id for revisit_id, _ in claimed], owner=self.owner)
            url_file.unlink(missing_ok=True)
            return False
        self.running[host] = _Batch(host=host, child=child, revisit_ids=[i for i, _ in claimed], url_file=url_file,
                                    next_renewal=time.monotonic() + self.config.lease / 3,
                                    urls=[u for _, u in claimed])
        log.info("revisits of %s: %d URL(s), run started (pid %d)", site, len(claimed), child.pid)
        return True

    def tend(self, now: float) -> None:
        """Reap ended runs (moving their URLs to the next step), enforce stops, renew leases."""
        for host, batch in list(self.running.items()):
            code = batch.child.poll()
            if code is not None:
                self._finish(batch, code)
                del self.running[host]
                continue
            batch.child.enforce(now, grace=self.config.stop_grace)
            if now >= batch.next_renewal:
                batch.next_renewal = now + self.config.lease / 3
                self.catalogue.renew_revisits(batch.revisit_ids, owner=self.owner,
                                              lease_until=self.clock() + timedelta(seconds=self.config.lease))

    def stop(self, now: float, *, kill: bool = False) -> None:
        """Stop every revisit run (SIGINT, then SIGKILL after the grace period; at once with ``kill``)."""
        for batch in self.running.values():
            if batch.child.stop_reason is None:
                batch.child.stop("interrupted", signal.SIGINT, now=now, grace=self.config.stop_grace)
            if kill:
                batch.child.kill_at = now

    def _finish(self, batch: _Batch, code: int) -> None:
        now = self.clock()
        if batch.child.stop_reason is not None:  # stopped before it could fetch: due again later
            self.catalogue.release_revisits(batch.revisit_ids, owner=self.owner)
        else:
            step = next_step if code in CRAWL_RAN else retry_step
            self.catalogue.advance_revisits(batch.revisit_ids, owner=self.owner,
                                            next_step=lambda revisit: step(revisit, now))
        batch.url_file.unlink(missing_ok=True)
        self.finished.append((batch.host, code, batch.urls))
        level = logging.INFO if code in CRAWL_RAN else logging.WARNING
        log.log(level, "revisits of %s: run ended (exit status %d), %d URL(s) %s",
                ".".join(reversed(batch.host.split("."))), code, len(batch.revisit_ids),
                "moved to their next step" if code in CRAWL_RAN else f"to be tried again in {RETRY_AFTER}")
