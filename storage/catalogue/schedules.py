"""Schedules in the catalogue: rows, the scheduler's lease, and each schedule's run history.

Every query about schedules lives here; the CLI and the scheduler only call these functions.
Times are computed by the caller (the application owns cron and clocks): this module stores
them and compares them.

The lease is what keeps two schedulers (on one machine or several, on SQLite or PostgreSQL)
from running one schedule at once. :func:`claim_due` is one conditional ``UPDATE ... WHERE``
that only matches a schedule that is due, not paused and not leased (or whose lease has
expired), and sets the lease and the next run time in the same statement. The database
serialises concurrent updates of a row (SQLite locks the file; PostgreSQL makes the second
writer wait and then re-checks the ``WHERE`` against the committed row), so exactly one
claimer sees ``rowcount == 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, delete, false, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.catalogue.models import Article, Capture, CrawlRun, Schedule, utcnow
from storage.errors import CatalogueError

__all__ = [
    "FAILED_STATUSES",
    "DuplicateSchedule",
    "RunSummary",
    "add_schedule",
    "claim",
    "claim_due",
    "due_schedules",
    "failure_streak",
    "find_run",
    "get_schedule",
    "last_runs",
    "link_run",
    "list_schedules",
    "record_outcome",
    "release",
    "remove_schedule",
    "renew",
    "run_summaries",
    "set_paused",
    "start_failed_run",
]

#: Run outcomes that count as failures for the "last N runs failed" flag.
FAILED_STATUSES = ("failed", "timed_out")


class DuplicateSchedule(CatalogueError):
    """A schedule with that name exists already."""


@dataclass(frozen=True)
class RunSummary:
    """One crawl run of a schedule, with what it found."""

    run: CrawlRun
    captures: int
    new_articles: int
    errors: int

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish (None while running)."""
        if self.run.finished_at is None:
            return None
        return (self.run.finished_at - self.run.started_at).total_seconds()


# ---------------------------------------------------------------------- rows
def add_schedule(session: Session, *, name: str, cron: str, timezone: str, crawl_args: Sequence[str],
                 next_run_at: datetime, time_limit: float | None = None, paused: bool = False) -> Schedule:
    """Insert a schedule; raise :class:`DuplicateSchedule` when the name is taken."""
    if get_schedule(session, name) is not None:
        raise DuplicateSchedule(f"a schedule named {name!r} exists already (remove it first)")
    schedule = Schedule(name=name, cron=cron, timezone=timezone, crawl_args=list(crawl_args),
                        next_run_at=next_run_at, time_limit=time_limit, paused=paused)
    session.add(schedule)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent add of the same name
        raise DuplicateSchedule(f"a schedule named {name!r} exists already (remove it first)") from exc
    return schedule


def get_schedule(session: Session, name: str) -> Schedule | None:
    """The schedule called ``name``, or None."""
    return session.scalars(select(Schedule).where(Schedule.name == name)).one_or_none()


def list_schedules(session: Session) -> list[Schedule]:
    """Every schedule, by name."""
    return list(session.scalars(select(Schedule).order_by(Schedule.name)))


def set_paused(session: Session, schedule: Schedule, paused: bool, *, next_run_at: datetime | None = None) -> None:
    """Pause or resume ``schedule``; resuming sets the next run time (slots missed while paused are skipped)."""
    schedule.paused = paused
    if next_run_at is not None:
        schedule.next_run_at = next_run_at
    session.flush()


def remove_schedule(session: Session, schedule: Schedule) -> None:
    """Delete ``schedule``; its crawl runs stay, no longer linked (``schedule_id`` set to NULL)."""
    session.execute(update(CrawlRun).where(CrawlRun.schedule_id == schedule.id).values(schedule_id=None))
    session.execute(delete(Schedule).where(Schedule.id == schedule.id))


# ---------------------------------------------------------------------- lease
def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Schedule.lease_owner.is_(None), Schedule.lease_expires_at.is_(None), Schedule.lease_expires_at <= now)


def due_schedules(session: Session, now: datetime) -> list[Schedule]:
    """Schedules that are due at ``now``, not paused and not leased: candidates for :func:`claim_due`."""
    return list(session.scalars(
        select(Schedule)
        .where(Schedule.paused == false(), Schedule.next_run_at.is_not(None), Schedule.next_run_at <= now,
               _lease_free(now))
        .order_by(Schedule.next_run_at, Schedule.id)))


def claim_due(session: Session, schedule_id: int, *, owner: str, now: datetime, lease_until: datetime,
              next_run_at: datetime) -> bool:
    """Take the lease of a due schedule and move its next run time, atomically; False if another got it.

    Matches only when the schedule is still due, not paused and its lease free or expired.
    Commit the session right after, so other schedulers see the lease.
    """
    result = session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.paused == false(), Schedule.next_run_at.is_not(None),
               Schedule.next_run_at <= now, _lease_free(now))
        .values(lease_owner=owner, lease_expires_at=lease_until, next_run_at=next_run_at, last_run_at=now)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def claim(session: Session, schedule_id: int, *, owner: str, now: datetime, lease_until: datetime) -> bool:
    """Take the lease of a schedule whether due or not (``schedule run NAME``); False while another holds it."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, _lease_free(now))
        .values(lease_owner=owner, lease_expires_at=lease_until, last_run_at=now)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def renew(session: Session, schedule_id: int, *, owner: str, lease_until: datetime) -> bool:
    """Extend a lease we hold; False when we no longer hold it."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.lease_owner == owner)
        .values(lease_expires_at=lease_until)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


def release(session: Session, schedule_id: int, *, owner: str) -> bool:
    """Give a lease back; False when we did not hold it."""
    result = session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.lease_owner == owner)
        .values(lease_owner=None, lease_expires_at=None)
        .execution_options(synchronize_session=False))
    return cast("CursorResult[Any]", result).rowcount == 1


# ---------------------------------------------------------------------- runs
def link_run(session: Session, run_id: int, schedule_id: int) -> None:
    """Mark crawl run ``run_id`` as a run of schedule ``schedule_id``."""
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(schedule_id=schedule_id)
                    .execution_options(synchronize_session=False))


def find_run(session: Session, *, hostname: str, pid: int, since: datetime) -> CrawlRun | None:
    """The crawl run process ``pid`` on ``hostname`` started at or after ``since`` (every run row records both)."""
    return session.scalars(
        select(CrawlRun)
        .where(CrawlRun.hostname == hostname, CrawlRun.pid == pid, CrawlRun.started_at >= since)
        .order_by(CrawlRun.id.desc()).limit(1)).one_or_none()


def last_runs(session: Session, schedule_id: int, limit: int) -> list[CrawlRun]:
    """The schedule's latest ``limit`` runs, newest first."""
    return list(session.scalars(
        select(CrawlRun).where(CrawlRun.schedule_id == schedule_id)
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)))


def failure_streak(session: Session, schedule_id: int, limit: int) -> int:
    """How many of the schedule's latest finished runs failed in a row (at most ``limit``)."""
    streak = 0
    for run in last_runs(session, schedule_id, limit + 1):
        if run.status == "running":
            continue
        if run.status not in FAILED_STATUSES:
            break
        streak += 1
        if streak >= limit:
            break
    return streak


def run_summaries(session: Session, schedule_id: int, *, limit: int = 20) -> list[RunSummary]:
    """The schedule's latest runs, newest first, each with captures, new articles and errors."""
    runs = last_runs(session, schedule_id, limit)
    if not runs:
        return []
    ids = [run.id for run in runs]
    captures = dict(session.execute(
        select(Capture.crawl_run_id, func.count()).where(Capture.crawl_run_id.in_(ids))
        .group_by(Capture.crawl_run_id)).all())
    # Errors: no response, a recorded error, or a 4xx/5xx answer (robots.txt may well be missing).
    errors = dict(session.execute(
        select(Capture.crawl_run_id, func.count())
        .where(Capture.crawl_run_id.in_(ids),
               or_(Capture.error.is_not(None), Capture.status.is_(None), Capture.status >= 400),
               Capture.url.not_like("%/robots.txt"))
        .group_by(Capture.crawl_run_id)).all())
    # New: an article extracted from a payload not archived before (a revisit only repeats one).
    new_articles = dict(session.execute(
        select(Capture.crawl_run_id, func.count())
        .join(Article, Article.capture_id == Capture.id)
        .where(and_(Capture.crawl_run_id.in_(ids), Capture.revisit_of_id.is_(None)))
        .group_by(Capture.crawl_run_id)).all())
    return [RunSummary(run=run, captures=captures.get(run.id, 0), new_articles=new_articles.get(run.id, 0),
                       errors=errors.get(run.id, 0)) for run in runs]


def record_outcome(session: Session, run_id: int, *, status: str, stats: dict[str, Any] | None = None,
                   finished_at: datetime | None = None) -> None:
    """Set how a scheduled run ended (when the crawl could not say it itself), merging ``stats`` in."""
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise CatalogueError(f"no crawl run {run_id}")
    run.status = status
    run.finished_at = run.finished_at or finished_at or utcnow()
    run.stats = {**(run.stats or {}), **(stats or {})}


def start_failed_run(session: Session, schedule_id: int, *, kind: str, name: str, hostname: str, pid: int,
                     started_at: datetime, status: str, stats: dict[str, Any]) -> int:
    """Record a run for a child that died before it could record one itself; return its id."""
    run = CrawlRun(kind=kind, name=name, schedule_id=schedule_id, hostname=hostname, pid=pid,
                   started_at=started_at, finished_at=utcnow(), status=status, settings={}, stats=stats)
    session.add(run)
    session.flush()
    return run.id
