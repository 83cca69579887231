"""The catalogue facade, schedules: rows, the scheduler's lease, each schedule's run history.

Times are the caller's (the application owns cron and clocks); see
:mod:`storage.catalogue.schedules` for how the lease keeps two schedulers apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from storage.catalogue import schedules as queries
from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.models import CrawlRun, Schedule
from storage.catalogue.schedules import RunSummary

__all__ = ["ScheduleFacade"]


class ScheduleFacade(FacadeBase):
    """Schedules and their leases."""

    # ------------------------------------------------------------------ rows
    def schedule(self, name: str) -> Schedule | None:
        """The schedule called ``name``, or None."""
        with self._session() as session:
            return queries.get_schedule(session, name)

    def schedule_by_id(self, schedule_id: int) -> Schedule | None:
        """The schedule with this id, or None."""
        with self._session() as session:
            return session.get(Schedule, schedule_id)

    def schedules(self) -> list[Schedule]:
        """Every schedule, by name."""
        with self._session() as session:
            return queries.list_schedules(session)

    def schedules_overview(self, *, flag_after: int) -> list[tuple[Schedule, CrawlRun | None, int]]:
        """Every schedule (by name) with its last run and how many of its latest runs failed in a row."""
        with self._session() as session:
            overview = []
            for schedule in queries.list_schedules(session):
                last = queries.last_runs(session, schedule.id, 1)
                failing = queries.failure_streak(session, schedule.id, flag_after)
                overview.append((schedule, last[0] if last else None, failing))
            return overview

    def add_schedule(self, *, name: str, cron: str, timezone: str, crawl_args: Sequence[str],
                     next_run_at: datetime, time_limit: float | None = None, paused: bool = False) -> Schedule:
        """Insert a schedule; raise :class:`~storage.catalogue.DuplicateSchedule` when the name is taken."""
        with self._session() as session:
            return queries.add_schedule(session, name=name, cron=cron, timezone=timezone, crawl_args=crawl_args,
                                        next_run_at=next_run_at, time_limit=time_limit, paused=paused)

    def set_paused(self, schedule_id: int, paused: bool, *, next_run_at: datetime | None = None) -> bool:
        """Pause or resume a schedule (resuming sets its next run time); False when it is gone."""
        with self._session() as session:
            schedule = session.get(Schedule, schedule_id)
            if schedule is None:
                return False
            queries.set_paused(session, schedule, paused, next_run_at=next_run_at)
            return True

    def remove_schedule(self, schedule_id: int) -> bool:
        """Delete a schedule (its runs stay, unlinked); False when it was gone already."""
        with self._session() as session:
            schedule = session.get(Schedule, schedule_id)
            if schedule is None:
                return False
            queries.remove_schedule(session, schedule)
            return True

    # ------------------------------------------------------------------ history
    def run_summaries(self, schedule_id: int, *, limit: int = 20) -> list[RunSummary]:
        """The schedule's latest runs, newest first, each with captures, new articles and errors."""
        with self._session() as session:
            return queries.run_summaries(session, schedule_id, limit=limit)

    def failure_streak(self, schedule_id: int, limit: int) -> int:
        """How many of the schedule's latest finished runs failed in a row (at most ``limit``)."""
        with self._session() as session:
            return queries.failure_streak(session, schedule_id, limit)

    # ------------------------------------------------------------------ lease
    def due_schedules(self, now: datetime) -> list[Schedule]:
        """Schedules due at ``now``, not paused and not leased: candidates for :meth:`claim_due`."""
        with self._session() as session:
            return queries.due_schedules(session, now)

    def claim_due(self, schedule_id: int, *, owner: str, now: datetime, lease_until: datetime,
                  next_run_at: datetime) -> Schedule | None:
        """Lease a due schedule and move its next run time, atomically; the schedule as claimed, or None.

        None when another scheduler got it first (or it is no longer due, or paused, or gone).
        """
        with self._session() as session:
            if not queries.claim_due(session, schedule_id, owner=owner, now=now, lease_until=lease_until,
                                     next_run_at=next_run_at):
                return None
            return session.get(Schedule, schedule_id, populate_existing=True)

    def claim(self, schedule_id: int, *, owner: str, now: datetime, lease_until: datetime) -> bool:
        """Lease a schedule whether due or not (``schedule run NAME``); False while another holds it."""
        with self._session() as session:
            return queries.claim(session, schedule_id, owner=owner, now=now, lease_until=lease_until)

    def renew_lease(self, schedule_id: int, *, owner: str, lease_until: datetime) -> bool:
        """Extend a lease we hold; False when we no longer hold it."""
        with self._session() as session:
            return queries.renew(session, schedule_id, owner=owner, lease_until=lease_until)

    def release_lease(self, schedule_id: int, *, owner: str) -> bool:
        """Give a lease back; False when we did not hold it."""
        with self._session() as session:
            return queries.release(session, schedule_id, owner=owner)
