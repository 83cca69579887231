"""The scheduler end to end: real `archiver crawl --urls FILE` runs against the fixture site.

Schedules are made due by setting ``next_run_at`` in the past; `archiver scheduler --once`
then runs them. Each test reads back what the run wrote: the crawl run linked to its
schedule, its captures, the WARC record at the catalogued offset.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from support.cli import archiver_env, run_archiver, start_archiver
from support.fixture_site import ARTICLE_PATH, running_site

from storage import Archive, StorageConfig
from storage.catalogue import queries, schedules
from storage.catalogue.database import Database
from storage.catalogue.models import CrawlRun

FAST = ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ARCHIVER_EXTRACT_WORKERS=0"]


def env_for(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """The whole environment of the archiver processes of a test (and of its StorageConfig)."""
    return archiver_env(home, {**extra, **({"ARCHIVER_DATABASE_URL": database_url} if database_url else {})})


def archiver(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return run_archiver(None, *args, env=env, timeout=timeout)


def wait_for(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    """Poll ``condition`` until it is true (a child process is doing the work); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def make_due(db: Database, name: str, when: datetime) -> int:
    with db.session() as session:
        schedule = schedules.get_schedule(session, name)
        assert schedule is not None
        schedule.next_run_at = when
        return schedule.id


def captured(db: Database, run_id: int, url: str) -> bool:
    with db.session() as session:
        return any(c.requested_url == url for c in queries.captures_in_run(session, run_id))


def runs_of(db: Database, schedule_id: int) -> list[CrawlRun]:
    with db.session() as session:
        return schedules.last_runs(session, schedule_id, 100)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The catalogue on SQLite (a file under tmp_path) or on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'archive' / 'catalogue.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def site() -> Iterator:
    with running_site() as running:
        yield running


def add_schedule(env: dict[str, str], tmp_path: Path, name: str, urls: list[str], *extra: str) -> None:
    url_file = tmp_path / f"{name}-urls.txt"
    url_file.write_text("".join(url + "\n" for url in urls))
    result = archiver(env, "schedule", "add", name, "--cron", "*/5 * * * *", *extra,
                      "--", "--urls", str(url_file), *FAST)
    assert result.returncode == 0, result.stderr


def test_due_schedule_runs_a_real_crawl_once_linked_and_rescheduled(tmp_path: Path, site) -> None:
    home = tmp_path / "archive"
    env = env_for(home)
    article = site.url + ARTICLE_PATH.lstrip("/")
    add_schedule(env, tmp_path, "news", [article, site.url + "missing-page"])
    db = Database(StorageConfig.from_env(env).database_url)
    # Down for three slots: due at :00, now it is past :15.
    schedule_id = make_due(db, "news", datetime.now(UTC) - timedelta(minutes=17))

    result = archiver(env, "scheduler", "--once", "--json")
    assert result.returncode == 0, result.stderr
    [outcome] = [json.loads(line) for line in result.stdout.splitlines()]
    [run] = runs_of(db, schedule_id)
    assert outcome == {"schedule": "news", "run": run.id, "status": "finished"}
    assert (run.kind, run.status, run.schedule_id) == ("urls", "finished", schedule_id)
    assert run.stats["exit_code"] == 3  # finished, with the fixture's 404 among its pages (docs/exit-codes.md)
    assert Path(run.stats["log_file"]).is_file()  # the crawl's own output

    with db.session() as session:
        schedule = schedules.get_schedule(session, "news")
        in_run = queries.captures_in_run(session, run.id)
        captures = {c.requested_url: c for c in in_run}
    assert schedule is not None and schedule.lease_owner is None
    now = datetime.now(UTC)
    assert now < schedule.next_run_at <= now + timedelta(minutes=5)  # next slot from now: one run, not four
    assert schedule.next_run_at.minute % 5 == 0
    with Archive(StorageConfig.from_env(env)) as archive:
        record = archive.read(captures[article])
        assert record.record_type in ("response", "revisit") and record.target_uri == article
    assert captures[site.url + "missing-page"].status == 404
    assert [entry["path"] for entry in site.log()].count(ARTICLE_PATH) == 1

    history = archiver(env, "schedule", "runs", "news", "--json")
    [summary] = [json.loads(line) for line in history.stdout.splitlines()]
    assert (summary["id"], summary["status"], summary["errors"]) == (run.id, "finished", 1)  # the 404
    assert summary["captures"] == len(in_run) >= 2  # robots.txt is archived too
    assert summary["new_articles"] == 1 and summary["duration"] > 0
    listed = archiver(env, "runs", "--schedule", "news", "--json")
    [record] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (record["id"], record["status"], record["duration"]) == (run.id, "finished", summary["duration"])
    assert record["counts"]["articles"] == record["counts"]["new_articles"] == 1
    db.close()


def test_two_schedulers_at_once_run_a_due_schedule_once(tmp_path: Path, site, database_url: str) -> None:
    home = tmp_path / "archive"
    env = env_for(home, database_url)
    article = site.url + ARTICLE_PATH.lstrip("/")
    add_schedule(env, tmp_path, "news", [article])
    add_schedule(env, tmp_path, "other", [site.url + "chunked"])
    db = Database(database_url)
    ids = [make_due(db, name, datetime.now(UTC) - timedelta(minutes=1)) for name in ("news", "other")]

    command = ["scheduler", "--once", "--json"]
    first = start_archiver(None, *command, env=env)
    second = start_archiver(None, *command, env=env)
    outputs = [process.communicate(timeout=180) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs

    started = [json.loads(line)["schedule"] for out, _ in outputs for line in out.splitlines()]
    assert sorted(started) == ["news", "other"]  # each ran once, by one scheduler or the other
    for schedule_id in ids:
        [run] = runs_of(db, schedule_id)
        assert run.status == "finished"
    paths = [entry["path"] for entry in site.log()]
    assert paths.count(ARTICLE_PATH) == 1 and paths.count("/chunked") == 1
    db.close()


def test_sigterm_stops_the_running_crawl_releases_the_lease_and_the_archive_verifies(tmp_path: Path, site) -> None:
    home = tmp_path / "archive"
    env = env_for(home, ARCHIVER_SCHEDULER_STOP_GRACE="5")
    article = site.url + ARTICLE_PATH.lstrip("/")
    add_schedule(env, tmp_path, "news", [article, site.url + "slow"])  # /slow answers after two minutes
    db = Database(StorageConfig.from_env(env).database_url)
    schedule_id = make_due(db, "news", datetime.now(UTC) - timedelta(minutes=1))

    scheduler = start_archiver(None, "scheduler", "--poll", "0.5", env=env)
    try:
        wait_for(lambda: "/slow" in [entry["path"] for entry in site.log()], "the crawl to ask for /slow")
        [run] = wait_for(lambda: runs_of(db, schedule_id), "the run to be linked to its schedule")
        assert run.status == "running"
        wait_for(lambda: captured(db, run.id, article), "the article to be archived")
        scheduler.send_signal(signal.SIGTERM)
        _, stderr = scheduler.communicate(timeout=60)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.communicate()
    assert scheduler.returncode == 0, stderr
    assert "Traceback" not in stderr

    [run] = runs_of(db, schedule_id)
    assert run.status == "interrupted" and run.finished_at is not None
    with pytest.raises(ProcessLookupError):
        os.kill(run.pid, 0)  # the crawl is gone (and reaped: no zombie left either)
    with db.session() as session:
        schedule = schedules.get_schedule(session, "news")
        assert schedule is not None and schedule.lease_owner is None and schedule.lease_expires_at is None
        [capture] = [c for c in queries.captures_in_run(session, run.id) if c.requested_url == article]
    db.close()
    verify = archiver(env, "verify", "--json")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    with Archive(StorageConfig.from_env(env)) as archive:
        assert archive.read(capture).target_uri == article
