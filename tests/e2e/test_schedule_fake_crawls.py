"""The scheduler with real children: support/fake_crawl.py in a subprocess (it finishes, crashes or
hangs), and the installed ``archiver`` command. e2e/test_schedule_e2e.py runs real crawls."""

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

import pytest
from support.cli import run_archiver, run_cli, start_archiver
from support.schedule_samples import FAKE_CRAWL, FakeClock, add, fake_config, fake_starts, runs_of, schedule_row, slot

from archiver.services.scheduling.daemon import Scheduler
from storage import StorageConfig
from storage.catalogue import schedules
from storage.catalogue.database import Database


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


def test_bad_input_from_the_installed_command_is_one_line_without_traceback(home: Path) -> None:
    result = run_archiver(home, "schedule", "add", "news", "--cron", "every hour", "--", "--urls", "u.txt",
                          timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: cron expression 'every hour' has 2 fields, expected 5 (minute hour day-of-month month day-of-week)"]


def test_schedule_run_runs_now_in_the_foreground_linked_and_keeps_the_next_slot(db: Database, home: Path) -> None:
    env = {"ARCHIVER_SCHEDULER_COMMAND": f"{sys.executable} {FAKE_CRAWL}"}
    added = run_cli(home, "schedule", "add", "news", "--cron", "@daily", "--", "ok", env=env)
    assert added.returncode == 0, added.stderr
    before = schedule_row(db, "news")
    # The installed command: the crawl writes to the terminal, and with --json to stderr only.
    result = run_archiver(home, "schedule", "run", "news", "--json", timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    [run] = runs_of(db, before.id)
    assert (run.name, run.status) == ("fake-ok", "finished")
    [record] = [json.loads(line) for line in result.stdout.splitlines()]
    assert (record["schedule"], record["id"], record["status"]) == ("news", run.id, "finished")
    assert "fake crawl: run finished" in result.stderr
    after = schedule_row(db, "news")
    assert after.next_run_at == before.next_run_at and after.lease_owner is None

    failing = run_cli(home, "schedule", "add", "broken", "--cron", "@daily", "--", "exit3", env=env)
    assert failing.returncode == 0
    assert run_cli(home, "schedule", "run", "broken", env=env).returncode == 1


def test_a_crawl_stops_when_its_scheduler_is_killed(db: Database, home: Path) -> None:
    """SIGKILL gives the scheduler no chance to stop its crawls: the kernel tells them (Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the parent-death signal is Linux only")
    schedule_id = add(db, "news", "hang", next_run_at=slot(0))
    env = {"ARCHIVER_SCHEDULER_COMMAND": f"{sys.executable} {FAKE_CRAWL}"}
    scheduler = start_archiver(home, "scheduler", "--poll", "0.2", env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
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
