"""The JSON shapes of the API: the same objects the CLI's ``--json`` prints, where the CLI has one.

Search hits are ``archiver search --json`` objects, captures ``archiver show --json``,
history entries ``archiver history --json``, diffs ``archiver diff --json`` and runs
``archiver runs --json``; schedules have the fields of ``archiver schedule list --json``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from archiver.cli.common import capture_record
from archiver.cli.diff import diff_record
from archiver.cli.history import entry_record
from archiver.cli.runs import run_record
from archiver.cli.search import hit_record
from storage.catalogue import schedules as schedule_queries
from storage.catalogue.models import Schedule, utcnow
from storage.export.records import iso

__all__ = ["capture_record", "diff_record", "entry_record", "hit_record", "run_record", "schedule_records"]


def schedule_records(session: Session, *, flag_after: int) -> list[dict[str, Any]]:
    """Every schedule with its last run and failure streak (as ``archiver schedule list --json``)."""
    records = []
    for schedule in schedule_queries.list_schedules(session):
        last = schedule_queries.last_runs(session, schedule.id, 1)
        failing = schedule_queries.failure_streak(session, schedule.id, flag_after) if flag_after else 0
        records.append(_schedule_record(schedule, last[0] if last else None, failing, flag_after))
    return records


def _schedule_record(schedule: Schedule, last: Any, failing: int, flag_after: int) -> dict[str, Any]:
    return {
        "id": schedule.id,
        "name": schedule.name,
        "cron": schedule.cron,
        "timezone": schedule.timezone,
        "crawl_args": list(schedule.crawl_args),
        "time_limit": schedule.time_limit,
        "paused": schedule.paused,
        "next_run_at": iso(schedule.next_run_at),
        "last_run_at": iso(schedule.last_run_at),
        "running": bool(schedule.lease_owner and schedule.lease_expires_at and schedule.lease_expires_at > utcnow()),
        "last_run": {"id": last.id, "status": last.status, "started_at": iso(last.started_at),
                     "finished_at": iso(last.finished_at)} if last else None,
        "failed_runs_in_a_row": failing,
        "flagged": flag_after > 0 and failing >= flag_after,
    }
