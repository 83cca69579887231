"""The catalogue facade, crawl runs: listing them, resuming them, recording how they went."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from storage.catalogue import queries
from storage.catalogue import runs as run_queries
from storage.catalogue import schedules as schedule_queries
from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.models import CrawlRun

__all__ = ["RunFacade"]


class RunFacade(FacadeBase):
    """Reads and updates of ``crawl_runs`` (starting and finishing one: :class:`storage.Archive`)."""

    def run(self, run_id: int) -> CrawlRun | None:
        """The crawl run with this id, or None."""
        with self._session() as session:
            return queries.get_run(session, run_id)

    def runs(self, *, limit: int | None = None, kind: str | None = None,
             schedule_id: int | None = None) -> list[CrawlRun]:
        """Crawl runs, newest first (optionally of one kind, or of one schedule)."""
        with self._session() as session:
            return list(run_queries.list_runs(session, limit=limit, kind=kind, schedule_id=schedule_id))

    def previous_run(self, name: str, *, before: int | None = None) -> CrawlRun | None:
        """The newest run called ``name`` (older than run id ``before``, when given)."""
        with self._session() as session:
            return run_queries.previous_run(session, name, before=before)

    def resume_chain(self, run_id: int) -> list[int]:
        """``run_id`` and the runs it resumed, transitively, newest first."""
        with self._session() as session:
            return run_queries.resume_chain(session, run_id)

    def merge_run_stats(self, run_id: int, stats: Mapping[str, Any], *, status: str | None = None) -> None:
        """Merge ``stats`` into a run's stats (and set its status, when given); nothing when it is gone."""
        with self._session() as session:
            run_queries.merge_run_stats(session, run_id, stats, status=status)

    def fail_if_running(self, run_id: int, stats: Mapping[str, Any]) -> None:
        """Mark a run still ``running`` as ``failed``, merging ``stats`` in (one that ended is left alone)."""
        with self._session() as session:
            run = session.get(CrawlRun, run_id)
            if run is not None and run.status == "running":
                run_queries.merge_run_stats(session, run_id, stats, status="failed")

    def run_status(self, run_id: int) -> str | None:
        """The status a run recorded (None when there is no such run)."""
        with self._session() as session:
            run = session.get(CrawlRun, run_id)
            return run.status if run is not None else None

    def link_process_run(self, *, hostname: str, pid: int, since: datetime, schedule_id: int) -> int | None:
        """Find the run process ``pid`` on ``hostname`` started at or after ``since``; link it to the schedule.

        Returns the run's id (None when the process has recorded no run yet). A run already
        linked to a schedule stays as it is.
        """
        with self._session() as session:
            run = schedule_queries.find_run(session, hostname=hostname, pid=pid, since=since)
            if run is None:
                return None
            if run.schedule_id is None:
                schedule_queries.link_run(session, run.id, schedule_id)
            return run.id

    def record_outcome(self, run_id: int, *, status: str, stats: dict[str, Any] | None = None,
                       finished_at: datetime | None = None) -> None:
        """Set how a run ended (when the crawl could not say it itself), merging ``stats`` in."""
        with self._session() as session:
            schedule_queries.record_outcome(session, run_id, status=status, stats=stats, finished_at=finished_at)

    def start_failed_run(self, schedule_id: int, *, kind: str, name: str, hostname: str, pid: int,
                         started_at: datetime, status: str, stats: dict[str, Any]) -> int:
        """Record a run for a child that died before it could record one itself; return its id."""
        with self._session() as session:
            return schedule_queries.start_failed_run(session, schedule_id, kind=kind, name=name, hostname=hostname,
                                                     pid=pid, started_at=started_at, status=status, stats=stats)
