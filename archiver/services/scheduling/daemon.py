"""The scheduler: runs due schedules as child processes, one lease per run, until told to stop.

Each pass it asks the catalogue for due schedules and claims each with a lease (one atomic
``UPDATE``, see :mod:`storage.catalogue.schedules`) that also moves the schedule's next run
time to the first slot after *now*: a scheduler that was down for several slots runs the
schedule once, not once per missed slot. Leases are renewed while runs last and released when
they end, so two schedulers on one catalogue never run one schedule at once.

With ``revisit_dir`` it also runs due article revisits (:mod:`archiver.services.scheduling.revisits`, leased
per URL the same way) and drains the change webhook outbox (:mod:`archiver.services.watch.webhooks`).

The clock is injected (``clock``), so tests make time pass without waiting; limits and grace
periods use the monotonic clock.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from archiver.services.scheduling.child import ChildRun
from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.cron import CronSpec, ScheduleError
from archiver.services.scheduling.revisits import RevisitRunner
from archiver.services.watch.webhooks import WebhookSender
from storage.catalogue import Catalogue, Database, Schedule, utcnow
from storage.errors import CatalogueError

__all__ = ["RunOutcome", "Scheduler"]

log = logging.getLogger(__name__)

#: Run statuses a crawl records when it completed its work ("max-pages": stopped at --max-pages).
_COMPLETED = ("finished", "max-pages")
# A run the daemon records for a child that recorded none: the counts the runs page shows, all zero.
NO_COUNTS = ("pages", "articles", "new_articles", "revisits", "errors")

#: What ``--once`` and ``schedule run`` report for each run.
RunOutcome = tuple[str, int | None, str]  # schedule name, crawl run id, status


class Scheduler:
    """Runs the schedules of one catalogue. Not thread-safe: drive it from one thread.

    ``log_dir``: where each run's output goes (one file per run); None lets runs write to our
    own stdout/stderr (``child_stdout``: a file descriptor for their stdout instead, e.g. 2 when
    our stdout carries JSON). ``environ``: the children's environment (default ours).
    ``revisit_dir``: run due revisits too (their URL files and logs go there) and deliver webhooks;
    ``revisit_batch``: URLs of one site per revisit run.
    """

    def __init__(self, db: Database, config: SchedulerConfig, *, clock: Callable[[], datetime] = utcnow,
                 log_dir: Path | None = None, child_stdout: int | None = None,
                 environ: Mapping[str, str] | None = None, revisit_dir: Path | None = None,
                 revisit_batch: int = 50, webhooks: WebhookSender | None = None) -> None:
        self.db = db
        self.catalogue = Catalogue(db)
        self.config = config
        self.clock = clock
        self.log_dir = log_dir
        self.child_stdout = child_stdout
        self.environ = dict(os.environ if environ is None else environ)
        self.hostname = socket.gethostname()
        self.owner = f"{self.hostname}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.running: dict[int, ChildRun] = {}
        self.outcomes: list[RunOutcome] = []
        self._stop = threading.Event()
        self._kill_now = False
        self._stopped: set[int] = set()
        self.revisits = None if revisit_dir is None else RevisitRunner(
            db, config, owner=self.owner, work_dir=revisit_dir, clock=clock, environ=self.environ,
            log_dir=revisit_dir, child_stdout=child_stdout, batch=revisit_batch)
        self.webhooks = webhooks

    # ------------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Take no new runs; stop the running ones (SIGINT, then SIGKILL after the grace period).

        Safe to call from a signal handler. A second call kills the runs at once.
        """
        if self._stop.is_set():
            self._kill_now = True
        self._stop.set()

    def run(self, *, once: bool = False, tick: float = 1.0) -> list[RunOutcome]:
        """Run due schedules until :meth:`request_stop` (or, with ``once``, until those due now are done)."""
        started = self.clock()
        next_poll = 0.0
        log.info("scheduler %s started%s", self.owner, "" if once else f", looking for due schedules every "
                 f"{self.config.poll:g}s")
        while True:
            now = time.monotonic()
            try:
                if self._stop.is_set():
                    self._shutdown(now)
                elif now >= next_poll:
                    next_poll = now + (tick if once else self.config.poll)
                    self.start_due(due_by=started if once else None)
                self.tend(now)
                if self._stop.is_set() and not self._busy():
                    log.info("scheduler %s stopped", self.owner)
                    break
                # --once ends when nothing runs and nothing that was due at the start can be started.
                if once and not self._busy() and not self._stop.is_set() and not self.start_due(due_by=started):
                    break
            except CatalogueError as exc:
                if once and not self._busy():
                    raise
                # A daemon outlives a database restart: runs go on, their outcome is recorded later.
                log.error("catalogue unavailable, retrying: %s", exc)
            self._stop.wait(min(tick, self.config.poll))
        return self.outcomes

    # ------------------------------------------------------------------ starting
    def start_due(self, *, due_by: datetime | None = None) -> int:
        """Claim and start due schedules while there is room; return how many started."""
        now = self.clock()
        due = [(s.id, s.name) for s in self.catalogue.due_schedules(due_by or now)]
        started = 0
        for schedule_id, name in due:
            if len(self.running) >= self.config.max_runs or self._stop.is_set():
                break
            if schedule_id in self.running:
                continue
            schedule = self._claim(schedule_id, name, now)
            if schedule is not None:
                self._spawn(schedule, now)
                started += 1
        if self.revisits is not None and not self._stop.is_set():
            room = self.config.max_runs - len(self.running) - len(self.revisits.running)
            started += self.revisits.start_due(room=room, due_by=due_by)
        if self.webhooks is not None and not self._stop.is_set():
            self.webhooks.drain()
        return started

    def _busy(self) -> bool:
        """True while a schedule run or a revisit run is going on."""
        return bool(self.running) or (self.revisits is not None and bool(self.revisits.running))

    def run_now(self, schedule: Schedule) -> RunOutcome | None:
        """Run one schedule now in the foreground (its output on ours); None when another holds its lease."""
        now = self.clock()
        claimed = self.catalogue.claim(schedule.id, owner=self.owner, now=now,
                                       lease_until=now + timedelta(seconds=self.config.lease))
        if not claimed:
            return None
        self._spawn(schedule, now)
        while self.running:
            if self._stop.is_set():
                self._shutdown(time.monotonic())
            self.tend(time.monotonic())
            self._stop.wait(0.2)
        return self.outcomes[-1]

    def _claim(self, schedule_id: int, name: str, now: datetime) -> Schedule | None:
        schedule = self.catalogue.schedule_by_id(schedule_id)
        if schedule is None:
            return None
        try:
            following = CronSpec.parse(schedule.cron, schedule.timezone).next_after(now)
        except ScheduleError as exc:
            log.error("schedule %s cannot run: %s (fix or remove it)", name, exc)
            return None
        claimed = self.catalogue.claim_due(schedule_id, owner=self.owner, now=now,
                                           lease_until=now + timedelta(seconds=self.config.lease),
                                           next_run_at=following)
        if claimed is None:
            log.info("schedule %s: another scheduler took it", name)
        return claimed

    def _spawn(self, schedule: Schedule, now: datetime) -> None:
        argv = self.config.argv(list(schedule.crawl_args))
        env = dict(self.environ)
        log_file = None
        if self.log_dir is not None:
            log_file = self.log_dir / _file_safe(schedule.name) / f"{now:%Y%m%dT%H%M%S%fZ}.log"
        try:
            # Wall-clock start (not the injectable clock): it is compared with the run row's start.
            child = ChildRun.start(argv, schedule_id=schedule.id, schedule_name=schedule.name, started_at=utcnow(),
                                   env=env, log_file=log_file, stdout=self.child_stdout,
                                   time_limit=schedule.time_limit)
        except OSError as exc:
            log.error("schedule %s: cannot start %s: %s", schedule.name, argv[0], exc)
            run_id = self._record(schedule.id, schedule.name, None, utcnow(), status="failed",
                                  stats={"error": f"cannot start {argv[0]}: {exc}"})
            self._release(schedule.id)
            self.outcomes.append((schedule.name, run_id, "failed"))
            return
        child.next_renewal = time.monotonic() + self.config.lease / 3
        self.running[schedule.id] = child
        log.info("schedule %s: started run (pid %d)%s", schedule.name, child.pid,
                 f", output in {log_file}" if log_file else "")

    # ------------------------------------------------------------------ tending
    def tend(self, now: float) -> None:
        """Reap ended runs, enforce time limits, renew leases."""
        if self.revisits is not None:
            self.revisits.tend(now)
        for schedule_id, child in list(self.running.items()):
            code = child.poll()
            if code is not None:
                self._finish(child, code)  # on a catalogue error the child stays, to be finished next time
                del self.running[schedule_id]
                continue
            if child.run_id is None:
                child.run_id = self._link(child)
            child.enforce(now, grace=self.config.stop_grace)
            if now >= child.next_renewal:
                child.next_renewal = now + self.config.lease / 3
                until = self.clock() + timedelta(seconds=self.config.lease)
                if not self.catalogue.renew_lease(schedule_id, owner=self.owner, lease_until=until):
                    log.warning("schedule %s: lost its lease (removed, or another scheduler took over)",
                                child.schedule_name)

    def _shutdown(self, now: float) -> None:
        if not self._stopped and not self._kill_now:
            log.info("stopping: no new runs, %d running", len(self.running))
        for child in self.running.values():
            if child.pid not in self._stopped:
                self._stopped.add(child.pid)
                log.info("schedule %s: stopping run (pid %d)", child.schedule_name, child.pid)
                child.stop("interrupted", signal.SIGINT, now=now, grace=self.config.stop_grace)
            if self._kill_now:
                child.kill_at = now
        if self.revisits is not None:
            self.revisits.stop(now, kill=self._kill_now)

    def _link(self, child: ChildRun) -> int | None:
        """Find the crawl run the child recorded and link it to the schedule (the crawl knows nothing of it)."""
        return self.catalogue.link_process_run(hostname=self.hostname, pid=child.pid,
                                               since=child.started_at - timedelta(seconds=1),
                                               schedule_id=child.schedule_id)

    def _finish(self, child: ChildRun, code: int) -> None:
        run_id = child.run_id or self._link(child)
        recorded = None
        if run_id is not None:
            recorded = self.catalogue.run_status(run_id)
        stats: dict[str, object] = {"exit_code": code, "scheduler": self.owner}
        if child.log_file is not None:
            stats["log_file"] = str(child.log_file)
        if recorded in _COMPLETED:  # done before the stop (or the limit) reached it
            status = str(recorded)
        elif child.stop_reason is not None:
            status = child.stop_reason
        elif recorded not in (None, "running"):  # the crawl's own word (failed, interrupted, ...)
            status = str(recorded)
        else:
            status = "failed"
            error = (f"crawl process killed by {signal.Signals(-code).name}" if code < 0
                     else f"crawl process exited with status {code} before finishing its run")
            said = child.last_words()
            stats["error"] = f"{error}: {said}" if said else error
        # Kept on the child: after a catalogue error, finishing again updates this run, never adds one.
        child.run_id = self._record(child.schedule_id, child.schedule_name, run_id, child.started_at,
                                    status=status, stats=stats, pid=child.pid)
        run_id = child.run_id
        self._release(child.schedule_id)
        self.outcomes.append((child.schedule_name, run_id, status))
        level = logging.INFO if status == "finished" else logging.WARNING
        log.log(level, "schedule %s: run %s %s (exit status %d)", child.schedule_name, run_id, status, code)

    def _record(self, schedule_id: int, name: str, run_id: int | None, started_at: datetime, *, status: str,
                stats: dict[str, object], pid: int | None = None) -> int:
        """Set a run's outcome; when the child recorded no run, record one for it (kind ``schedule``)."""
        if run_id is None:  # it fetched nothing: its counts are zeros, shown as such (not left blank)
            return self.catalogue.start_failed_run(schedule_id, kind="schedule", name=name, hostname=self.hostname,
                                                   pid=pid or os.getpid(), started_at=started_at, status=status,
                                                   stats={**stats, "counts": dict.fromkeys(NO_COUNTS, 0)})
        self.catalogue.record_outcome(run_id, status=status, stats=stats)
        return run_id

    def _release(self, schedule_id: int) -> None:
        self.catalogue.release_lease(schedule_id, owner=self.owner)


def _file_safe(name: str) -> str:
    """``name`` as one path component (no separators, no leading dot)."""
    return re.sub(r"[^\w.-]", "_", name).lstrip(".") or "_"
