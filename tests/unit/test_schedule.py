"""Schedules and the scheduler in process: cron checks, leases, paused schedules, the CLI.

The scheduler is driven with a fake clock and nothing here starts a process; the scheduler's
real children (support/fake_crawl.py) are in e2e/test_schedule_fake_crawls.py, real crawls in
e2e/test_schedule_e2e.py.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.cli import run_cli
from support.schedule_samples import FakeClock, add, fake_config, fake_starts, schedule_row, slot
from support.services import BACKENDS

from archiver.core.durations import DurationError, parse_duration
from archiver.services.scheduling import CronSpec, ScheduleError
from archiver.services.scheduling.daemon import Scheduler
from storage import StorageConfig
from storage.catalogue import schedules
from storage.catalogue.database import Database
from storage.catalogue.models import CrawlRun, Schedule


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty archive directory named by ARCHIVER_HOME (the children inherit it)."""
    monkeypatch.setenv("ARCHIVER_HOME", str(tmp_path / "archive"))
    monkeypatch.delenv("ARCHIVER_DATABASE_URL", raising=False)
    monkeypatch.setenv("FAKE_CRAWL_LOG", str(tmp_path / "fake-crawl.log"))
    return tmp_path / "archive"


@pytest.fixture
def db(home: Path) -> Iterator[Database]:
    """The migrated catalogue of ``home``."""
    database = Database(StorageConfig.from_env(os.environ).database_url)
    yield database
    database.close()


# ---------------------------------------------------------------------- cron and durations
def test_cron_spec_checks_and_computes_next_times_in_its_timezone() -> None:
    spec = CronSpec.parse("30 2 * * *", "Europe/Berlin")
    # 2026-03-29: clocks go from 02:00 to 03:00 in Berlin, so 02:30 local does not exist that night.
    times = spec.next_times(datetime(2026, 3, 28, 12, 0, tzinfo=UTC), 3)
    assert times[1:] == [datetime(2026, 3, 30, 0, 30, tzinfo=UTC), datetime(2026, 3, 31, 0, 30, tzinfo=UTC)]
    assert all(t.tzinfo is UTC for t in times)
    assert CronSpec.parse("@hourly").next_after(datetime(2026, 1, 1, 10, 15, tzinfo=UTC)) == \
        datetime(2026, 1, 1, 11, 0, tzinfo=UTC)
    for expression, zone, message in [("61 * * * *", "UTC", "bad cron expression"),
                                      ("* * * *", "UTC", "has 4 fields"),
                                      ("0 0 * * * *", "UTC", "has 6 fields"),
                                      ("@sometimes", "UTC", "unknown cron alias"),
                                      ("0 * * * *", "Mars/Olympus", "unknown timezone")]:
        with pytest.raises(ScheduleError, match=message):
            CronSpec.parse(expression, zone)


def test_durations() -> None:
    assert parse_duration("90") == 90
    assert parse_duration("1h30m") == 5400
    assert parse_duration("45s") == 45
    for bad in ("5x", "", "0", "-3", "h"):
        with pytest.raises(DurationError):
            parse_duration(bad, positive=True)


# ---------------------------------------------------------------------- the lease
def test_lease_is_taken_once_and_again_only_after_it_expires(db: Database) -> None:
    now = slot(0)
    schedule_id = add(db, "news", "ok", next_run_at=now - timedelta(minutes=1))
    lease = {"now": now, "lease_until": now + timedelta(minutes=2), "next_run_at": now + timedelta(minutes=5)}
    with db.session() as session:
        assert schedules.claim_due(session, schedule_id, owner="a", **lease)
    with db.session() as session:
        assert not schedules.claim_due(session, schedule_id, owner="b", **lease)
        assert not schedules.release(session, schedule_id, owner="b")
    later = now + timedelta(minutes=6)  # due again and the lease of "a" (2 min) has expired
    with db.session() as session:
        assert schedules.claim_due(session, schedule_id, owner="b", now=later, lease_until=later + timedelta(minutes=2),
                                   next_run_at=later + timedelta(minutes=4))
        assert not schedules.renew(session, schedule_id, owner="a", lease_until=later)
    row = schedule_row(db, "news")
    assert (row.lease_owner, row.next_run_at) == ("b", later + timedelta(minutes=4))
    with db.session() as session:
        assert schedules.release(session, schedule_id, owner="b")
    assert schedule_row(db, "news").lease_owner is None


# ---------------------------------------------------------------------- the scheduler


def test_paused_schedule_is_not_run(db: Database, home: Path) -> None:
    due = slot(0)
    schedule_id = add(db, "news", "ok", next_run_at=due)
    with db.session() as session:
        row = session.get(Schedule, schedule_id)
        assert row is not None
        schedules.set_paused(session, row, True)
    assert Scheduler(db, fake_config(), clock=FakeClock(due)).run(once=True, tick=0.05) == []
    assert fake_starts(home) == []


# ---------------------------------------------------------------------- the command line
@pytest.mark.parametrize(("args", "code", "message"), [
    (["add", "news", "--cron", "0 25 * * *", "--", "--urls", "u.txt"], 2,
     "error: bad cron expression '0 25 * * *': [0 25 * * *] is not acceptable, out of range"),
    (["add", "news", "--cron", "0 * * * *", "--timezone", "Europe/Nowhere", "--", "--urls", "u.txt"], 2,
     "error: unknown timezone 'Europe/Nowhere' (use an IANA name such as UTC or Europe/Berlin)"),
    (["add", "news", "--cron", "0 * * * *", "--", "--urls", "u.txt", "--max-pagez", "5"], 2,
     "error: archiver crawl: No such option: --max-pagez"),
    (["add", "news", "--cron", "0 * * * *", "--time-limit", "soon", "--", "--urls", "u.txt"], 2,
     "error: not a duration: 'soon' (use e.g. 90, 45s, 30m, 1h30m, 1d, 2w)"),
    (["add", "../etc", "--cron", "@daily", "--", "--urls", "u.txt"], 2, "error: not a schedule name: '../etc'"),
    (["add", "news", "--cron", "@daily", "--", "--max-pages", "5"], 2,
     "error: archiver crawl: give exactly one of --sitemap URL, --feed URL, --site URL, --urls FILE"),
    (["show", "nothing-here"], 1, "error: no schedule named 'nothing-here' (see `archiver schedule list`)"),
    (["run", "nothing-here"], 1, "error: no schedule named 'nothing-here' (see `archiver schedule list`)"),
])
def test_bad_input_is_one_clear_line(home: Path, args: list[str], code: int, message: str) -> None:
    result = run_cli(home, "schedule", *args)
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines()[0].startswith(message)
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    db = Database(StorageConfig.from_env({"ARCHIVER_HOME": str(home)}).database_url)
    with db.session() as session:
        assert schedules.list_schedules(session) == []  # nothing was added
    db.close()


def test_add_shows_next_runs_and_list_flags_repeated_failures(db: Database, home: Path) -> None:
    result = run_cli(home, "schedule", "add", "news", "--cron", "0 */6 * * *", "--timezone", "Asia/Tokyo",
                      "--time-limit", "1h30m", "--", "--urls", "urls.txt", "--max-pages", "5")
    assert result.returncode == 0, result.stderr
    row = schedule_row(db, "news")
    assert (row.cron, row.timezone, row.time_limit) == ("0 */6 * * *", "Asia/Tokyo", 5400.0)
    assert row.crawl_args == ["--urls", "urls.txt", "--max-pages", "5"]
    expected = CronSpec.parse("0 */6 * * *", "Asia/Tokyo").next_times(row.created_at, 3)
    assert row.next_run_at == expected[0]
    shown = result.stdout.split("next: ")[1].strip().split(", ")
    assert shown == [f"{t.astimezone(ZoneInfo('Asia/Tokyo')):%Y-%m-%d %H:%M} JST" for t in expected]

    def add_run(status: str, minutes: int) -> None:
        with db.session() as session:
            session.add(CrawlRun(kind="crawl", name="news", status=status, schedule_id=row.id,
                                 started_at=slot(0) + timedelta(minutes=minutes)))

    def listed() -> dict:
        result = run_cli(home, "schedule", "list", "--json")
        assert result.returncode == 0, result.stderr
        [record] = [json.loads(line) for line in result.stdout.splitlines()]
        return record

    add_run("finished", 0)
    add_run("failed", 10)
    add_run("timed_out", 20)
    record = listed()
    assert (record["flagged"], record["failed_runs_in_a_row"], record["last_run"]["status"]) == (False, 2, "timed_out")
    add_run("failed", 30)
    record = listed()
    assert (record["flagged"], record["failed_runs_in_a_row"]) == (True, 3)
    assert "FAILING: last 3 runs failed" in run_cli(home, "schedule", "list").stdout
    # N is a setting.
    flagged_at_4 = run_cli(home, "schedule", "list", "--json", env={"ARCHIVER_SCHEDULE_FAILURE_FLAG": "4"})
    assert '"flagged": false' in flagged_at_4.stdout
    add_run("finished", 40)
    assert listed()["flagged"] is False


def test_pause_resume_remove_keep_the_runs(db: Database, home: Path) -> None:
    assert run_cli(home, "schedule", "add", "news", "--cron", "@daily", "--", "--urls", "u.txt").returncode == 0
    row = schedule_row(db, "news")
    with db.session() as session:
        session.add(CrawlRun(kind="crawl", name="news", status="finished", schedule_id=row.id))
    assert run_cli(home, "schedule", "pause", "news").returncode == 0
    assert schedule_row(db, "news").paused is True
    assert run_cli(home, "schedule", "resume", "news").returncode == 0
    assert schedule_row(db, "news").paused is False
    assert run_cli(home, "schedule", "remove", "news").returncode == 0
    with db.session() as session:
        assert schedules.get_schedule(session, "news") is None
        [run] = list(session.query(CrawlRun))
        assert run.schedule_id is None and run.status == "finished"


def test_runs_of_one_schedule(db: Database, home: Path) -> None:
    assert run_cli(home, "schedule", "add", "news", "--cron", "@daily", "--", "--urls", "u.txt").returncode == 0
    row = schedule_row(db, "news")
    started = slot(0)
    with db.session() as session:
        session.add_all([
            CrawlRun(kind="urls", name="news-1", status="finished", schedule_id=row.id, started_at=started,
                     finished_at=started + timedelta(seconds=42), stats={"counts": {"pages": 7, "errors": 1}}),
            CrawlRun(kind="urls", name="by-hand", status="finished", started_at=started),
            CrawlRun(kind="schedule", name="news", status="failed", schedule_id=row.id,
                     started_at=started + timedelta(hours=1), stats={"error": "crawl process killed by SIGKILL"}),
        ])
    result = run_cli(home, "runs", "--schedule", "news", "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["name"], r["status"]) for r in records] == [("news", "failed"), ("news-1", "finished")]
    assert records[1]["duration"] == 42 and records[1]["counts"] == {"pages": 7, "errors": 1}

    history = run_cli(home, "schedule", "runs", "news", "--json")
    assert [(r["status"], r["error"]) for r in map(json.loads, history.stdout.splitlines())] == [
        ("failed", "crawl process killed by SIGKILL"), ("finished", None)]

    missing = run_cli(home, "runs", "--schedule", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no schedule named 'nope' (see `archiver schedule list`)"


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_claims_of_one_due_schedule_have_one_winner(tmp_path: Path, request: pytest.FixtureRequest,
                                                               backend: str) -> None:
    url = (f"sqlite:///{tmp_path / 'catalogue.sqlite'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    setup = Database(url)
    now = slot(0)
    schedule_id = add(setup, "news", "ok", next_run_at=now - timedelta(minutes=1))
    databases = [Database(url, migrate=False) for _ in range(6)]
    barrier = threading.Barrier(len(databases))
    won: list[str] = []

    def contend(index: int) -> None:
        with databases[index].session() as session:
            barrier.wait()
            if schedules.claim_due(session, schedule_id, owner=f"s{index}", now=now,
                                   lease_until=now + timedelta(minutes=2), next_run_at=now + timedelta(minutes=5)):
                won.append(f"s{index}")

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(won) == 1
    assert schedule_row(setup, "news").lease_owner == won[0]
    for database in [setup, *databases]:
        database.close()
