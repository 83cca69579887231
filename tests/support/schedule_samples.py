"""Schedules made straight in the catalogue, and a scheduler whose children are support/fake_crawl.py."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archiver.services.scheduling.config import SchedulerConfig
from storage.catalogue import schedules
from storage.catalogue.database import Database
from storage.catalogue.models import CrawlRun, Schedule

#: The stand-in for ``archiver crawl`` (run as a file: it needs only the installed packages).
FAKE_CRAWL = str(Path(__file__).with_name("fake_crawl.py"))


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def slot(minutes_ago: int) -> datetime:
    """A five-minute cron slot well in the past (before any run row the children write)."""
    base = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)
    base -= timedelta(minutes=base.minute % 5)
    return base - timedelta(minutes=minutes_ago)


def fake_config(**overrides: object) -> SchedulerConfig:
    """Scheduler settings that run support/fake_crawl.py instead of `archiver crawl`."""
    values: dict[str, object] = {"command": (sys.executable, FAKE_CRAWL), "poll": 0.1, "lease": 60.0,
                                 "stop_grace": 10.0, "max_runs": 4}
    values.update(overrides)
    return SchedulerConfig(**values)  # type: ignore[arg-type]


def add(db: Database, name: str, mode: str, *, next_run_at: datetime, cron: str = "*/5 * * * *",
        time_limit: float | None = None) -> int:
    with db.session() as session:
        return schedules.add_schedule(session, name=name, cron=cron, timezone="UTC", crawl_args=[mode],
                                      next_run_at=next_run_at, time_limit=time_limit).id


def schedule_row(db: Database, name: str) -> Schedule:
    with db.session() as session:
        row = schedules.get_schedule(session, name)
        assert row is not None
        return row


def runs_of(db: Database, schedule_id: int) -> list[CrawlRun]:
    with db.session() as session:
        return list(reversed(schedules.last_runs(session, schedule_id, 100)))


def fake_starts(home: Path) -> list[str]:
    log = home.parent / "fake-crawl.log"
    return log.read_text().splitlines() if log.exists() else []
