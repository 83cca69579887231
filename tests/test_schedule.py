"""Schedules and the scheduler: cron checks, leases, missed runs, time limits, crashes, the CLI.

The scheduler is driven in-process with a fake clock, and its children are tests/fake_crawl.py
(a stand-in for ``archiver crawl`` that records a run and then finishes, crashes or hangs), so
nothing here waits for real minutes. tests/test_schedule_e2e.py runs real crawls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import tool
from typer.testing import CliRunner

from archiver.cli import app
from archiver.core.durations import DurationError, parse_duration
from archiver.services.scheduling import CronSpec, ScheduleError
from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.daemon import Scheduler
from storage import StorageConfig
from storage.catalogue import schedules
from storage.catalogue.database import Database
from storage.catalogue.models import CrawlRun, Schedule

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


def fake_config(**overrides: object) -> SchedulerConfig:
    """Scheduler settings that run tests/fake_crawl.py instead of `archiver crawl`."""
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
def test_due_schedule_runs_once_linked_and_next_time_from_now_after_downtime(db: Database, home: Path) -> None:
    due = slot(0)
    schedule_id = add(db, "news", "ok", next_run_at=due)
    add(db, "later", "ok", next_run_at=due + timedelta(hours=2))
    # The scheduler was down for three more slots (:05, :10, :15) and comes back at :17.
    clock = FakeClock(due + timedelta(minutes=17))
    outcomes = Scheduler(db, fake_config(), clock=clock).run(once=True, tick=0.05)

    runs = runs_of(db, schedule_id)
    assert len(fake_starts(home)) == 1
    assert [(run.name, run.status, run.schedule_id) for run in runs] == [("fake-ok", "finished", schedule_id)]
    assert outcomes == [("news", runs[0].id, "finished")]
    row = schedule_row(db, "news")
    assert row.next_run_at == due + timedelta(minutes=20)  # the first slot after "now", not :05
    assert row.last_run_at == clock.now
    assert row.lease_owner is None and row.lease_expires_at is None
    assert runs[0].stats["exit_code"] == 0
    assert runs_of(db, schedule_row(db, "later").id) == []

    # Nothing is due until :20: another pass runs nothing; at :20 it runs again.
    assert Scheduler(db, fake_config(), clock=clock).run(once=True, tick=0.05) == []
    clock.now = due + timedelta(minutes=20)
    assert [o[2] for o in Scheduler(db, fake_config(), clock=clock).run(once=True, tick=0.05)] == ["finished"]
    assert len(runs_of(db, schedule_id)) == 2


def test_crashed_crawl_is_a_failed_run_and_the_scheduler_goes_on(db: Database, home: Path) -> None:
    due = slot(0)
    crash_id = add(db, "crashes", "crash", next_run_at=due)
    silent_id = add(db, "exits", "exit3", next_run_at=due)
    ok_id = add(db, "fine", "ok", next_run_at=due)
    clock = FakeClock(due + timedelta(minutes=1))
    log_dir = home / "logs"
    outcomes = Scheduler(db, fake_config(), clock=clock, log_dir=log_dir).run(once=True, tick=0.05)

    assert sorted((name, status) for name, _, status in outcomes) == [
        ("crashes", "failed"), ("exits", "failed"), ("fine", "finished")]
    [crashed] = runs_of(db, crash_id)
    assert crashed.name == "fake-crash" and crashed.finished_at is not None
    assert crashed.stats["error"] == "crawl process killed by SIGKILL"
    [silent] = runs_of(db, silent_id)  # the child recorded nothing: the scheduler did
    assert silent.kind == "schedule" and silent.stats["exit_code"] == 3
    assert silent.stats["error"] == "crawl process exited with status 3 before finishing its run: " \
        "error: cannot read urls.txt"  # the last line of its output, kept in a file of its own
    assert Path(silent.stats["log_file"]).parent == log_dir / "exits"
    assert runs_of(db, ok_id)[0].status == "finished"

    # The next slot of the crashing schedule still runs.
    clock.now = due + timedelta(minutes=5)
    Scheduler(db, fake_config(), clock=clock).run(once=True, tick=0.05)
    assert [run.status for run in runs_of(db, crash_id)] == ["failed", "failed"]
    assert schedule_row(db, "crashes").lease_owner is None


def test_run_over_its_time_limit_is_stopped_and_marked_timed_out(db: Database, home: Path) -> None:
    due = slot(0)
    schedule_id = add(db, "slow", "hang", next_run_at=due, time_limit=2)
    outcomes = Scheduler(db, fake_config(), clock=FakeClock(due)).run(once=True, tick=0.05)

    [run] = runs_of(db, schedule_id)
    assert outcomes == [("slow", run.id, "timed_out")]
    assert run.status == "timed_out"
    assert run.stats["close_reason"] == "shutdown"  # the crawl closed itself cleanly on SIGTERM
    assert run.finished_at is not None
    assert schedule_row(db, "slow").lease_owner is None


def test_a_run_that_ignores_the_stop_is_killed_after_the_grace_period(db: Database, home: Path) -> None:
    due = slot(0)
    schedule_id = add(db, "stubborn", "hang", next_run_at=due, time_limit=0.3)
    # SIGTERM first: the fake crawl would obey, so make the command ignore it.
    config = fake_config(command=("/bin/sh", "-c", f"trap '' TERM INT; exec {sys.executable} {FAKE_CRAWL} \"$0\""),
                         stop_grace=0.3)
    outcomes = Scheduler(db, config, clock=FakeClock(due)).run(once=True, tick=0.05)
    assert [status for _, _, status in outcomes] == ["timed_out"]
    [run] = runs_of(db, schedule_id)
    assert run.status == "timed_out" and run.stats["exit_code"] == -9


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
def archiver(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``archiver ARGS`` in this process (fast); children it starts are real processes."""
    result = CliRunner().invoke(app, list(args), env={"ARCHIVER_HOME": str(home), "NO_COLOR": "1",
                                                      "COLUMNS": "200", **env})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def test_bad_input_from_the_installed_command_is_one_line_without_traceback(home: Path) -> None:
    result = subprocess.run([tool("archiver"), "schedule", "add", "news", "--cron", "every hour", "--",
                             "--urls", "u.txt"], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "ARCHIVER_HOME": str(home), "NO_COLOR": "1"})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: cron expression 'every hour' has 2 fields, expected 5 (minute hour day-of-month month day-of-week)"]


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
    result = archiver(home, "schedule", *args)
    assert result.returncode == code, result.stderr
    assert result.stderr.splitlines()[0].startswith(message)
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    db = Database(StorageConfig.from_env({"ARCHIVER_HOME": str(home)}).database_url)
    with db.session() as session:
        assert schedules.list_schedules(session) == []  # nothing was added
    db.close()


def test_add_shows_next_runs_and_list_flags_repeated_failures(db: Database, home: Path) -> None:
    result = archiver(home, "schedule", "add", "news", "--cron", "0 */6 * * *", "--timezone", "Asia/Tokyo",
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
        result = archiver(home, "schedule", "list", "--json")
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
    assert "FAILING: last 3 runs failed" in archiver(home, "schedule", "list").stdout
    # N is a setting.
    flagged_at_4 = archiver(home, "schedule", "list", "--json", ARCHIVER_SCHEDULE_FAILURE_FLAG="4")
    assert '"flagged": false' in flagged_at_4.stdout
    add_run("finished", 40)
    assert listed()["flagged"] is False


def test_pause_resume_remove_keep_the_runs(db: Database, home: Path) -> None:
    assert archiver(home, "schedule", "add", "news", "--cron", "@daily", "--", "--urls", "u.txt").returncode == 0
    row = schedule_row(db, "news")
    with db.session() as session:
        session.add(CrawlRun(kind="crawl", name="news", status="finished", schedule_id=row.id))
    assert archiver(home, "schedule", "pause", "news").returncode == 0
    assert schedule_row(db, "news").paused is True
    assert archiver(home, "schedule", "resume", "news").returncode == 0
    assert schedule_row(db, "news").paused is False
    assert archiver(home, "schedule", "remove", "news").returncode == 0
    with db.session() as session:
        assert schedules.get_schedule(session, "news") is None
        [run] = list(session.query(CrawlRun))
        assert run.schedule_id is None and run.status == "finished"


def test_schedule_run_runs_now_in_the_foreground_linked_and_keeps_the_next_slot(db: Database, home: Path) -> None:
    env = {"ARCHIVER_SCHEDULER_COMMAND": f"{sys.executable} {FAKE_CRAWL}"}
    added = archiver(home, "schedule", "add", "news", "--cron", "@daily", "--", "ok", **env)
    assert added.returncode == 0, added.stderr
    before = schedule_row(db, "news")
    # The installed command: the crawl writes to the terminal, and with --json to stderr only.
    result = subprocess.run([tool("archiver"), "schedule", "run", "news", "--json"], capture_output=True,
                            text=True, timeout=120, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    [run] = runs_of(db, before.id)
    assert (run.name, run.status) == ("fake-ok", "finished")
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["schedule"], record["id"], record["status"]) == ("news", run.id, "finished")
    assert "fake crawl: run finished" in result.stderr
    after = schedule_row(db, "news")
    assert after.next_run_at == before.next_run_at and after.lease_owner is None

    failing = archiver(home, "schedule", "add", "broken", "--cron", "@daily", "--", "exit3", **env)
    assert failing.returncode == 0
    assert archiver(home, "schedule", "run", "broken", **env).returncode == 1


def test_a_crawl_stops_when_its_scheduler_is_killed(db: Database, home: Path) -> None:
    """SIGKILL gives the scheduler no chance to stop its crawls: the kernel tells them (Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux only")
    schedule_id = add(db, "news", "hang", next_run_at=slot(0))
    env = {**os.environ, "ARCHIVER_SCHEDULER_COMMAND": f"{sys.executable} {FAKE_CRAWL}"}
    scheduler = subprocess.Popen([tool("archiver"), "scheduler", "--poll", "0.2"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not runs_of(db, schedule_id) and time.monotonic() < deadline:
            time.sleep(0.1)  # waiting for the child to record its run
        [run] = runs_of(db, schedule_id)
        assert run.status == "running"
    finally:
        scheduler.kill()
        scheduler.wait()
    deadline = time.monotonic() + 60
    while runs_of(db, schedule_id)[0].status == "running" and time.monotonic() < deadline:
        time.sleep(0.1)  # waiting for the orphaned child to notice
    [run] = runs_of(db, schedule_id)
    assert run.status == "interrupted"  # the fake crawl got SIGTERM and closed its run


def test_runs_of_one_schedule(db: Database, home: Path) -> None:
    assert archiver(home, "schedule", "add", "news", "--cron", "@daily", "--", "--urls", "u.txt").returncode == 0
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
    result = archiver(home, "runs", "--schedule", "news", "--json")
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["name"], r["status"]) for r in records] == [("news", "failed"), ("news-1", "finished")]
    assert records[1]["duration"] == 42 and records[1]["counts"] == {"pages": 7, "errors": 1}

    history = archiver(home, "schedule", "runs", "news", "--json")
    assert [(r["status"], r["error"]) for r in map(json.loads, history.stdout.splitlines())] == [
        ("failed", "crawl process killed by SIGKILL"), ("finished", None)]

    missing = archiver(home, "runs", "--schedule", "nope")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "error: no schedule named 'nope' (see `archiver schedule list`)"


def test_lease_is_renewed_while_the_run_lasts(db: Database, home: Path) -> None:
    schedule_id = add(db, "long", "hang", next_run_at=datetime.now(UTC) - timedelta(minutes=1), time_limit=30)
    scheduler = Scheduler(db, fake_config(lease=0.6))  # renewed every 0.2 s; the real clock
    worker = threading.Thread(target=scheduler.run, kwargs={"once": True, "tick": 0.05})
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while schedule_row(db, "long").lease_owner is None and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the scheduler to take the lease
        first = schedule_row(db, "long").lease_expires_at
        assert first is not None
        while schedule_row(db, "long").lease_expires_at == first and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for a renewal
        renewed = schedule_row(db, "long").lease_expires_at
        assert renewed is not None and renewed > first
        # Another scheduler, at the moment the first lease would have run out, still finds it held.
        with db.session() as session:
            assert not schedules.claim(session, schedule_id, owner="other", now=first + timedelta(milliseconds=1),
                                       lease_until=renewed + timedelta(minutes=1))
    finally:
        scheduler.request_stop()
        worker.join(timeout=60)
    assert [run.status for run in runs_of(db, schedule_id)] == ["interrupted"]
    assert schedule_row(db, "long").lease_owner is None


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
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
