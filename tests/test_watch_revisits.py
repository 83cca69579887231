"""Revisits run by the scheduler with a fake clock: the policy's times, batches per site, leases."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from catalogue_samples import add_article, run_cli
from sqlalchemy import select
from watch_samples import POLICY, T0, URL, archive_and_note

from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.daemon import Scheduler
from archiver.crawler.changes.record import note_capture
from archiver.services.scheduling.revisits import RETRY_AFTER
from storage.catalogue import changes as queries
from storage.catalogue.database import Database
from storage.catalogue.models import Revisit

FAKE = str(Path(__file__).with_name("watch_fake_crawl.py"))
OTHER_SITE = "https://other.example.net/story"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def fake_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "revisit-runs.jsonl"
    monkeypatch.setenv("WATCH_FAKE_LOG", str(path))
    return path


def runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def scheduler(archive, tmp_path: Path, clock: FakeClock, *, batch: int = 50) -> Scheduler:
    config = SchedulerConfig(command=(sys.executable, FAKE), poll=0.1, lease=60.0, stop_grace=10.0, max_runs=4)
    return Scheduler(archive.db, config, clock=clock, revisit_dir=tmp_path / "revisits", revisit_batch=batch)


def revisit_row(archive, url: str) -> Revisit:
    with archive.db.session() as session:
        row = queries.get_revisit(session, url)
        assert row is not None
        return row


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_url_planned_by_another_process_meanwhile_keeps_that_plan(backend: str, tmp_path: Path,
                                                                    request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'c.sqlite'}" if backend == "sqlite"
           else request.getfixturevalue("postgres_url"))
    db = Database(url)
    with db.session() as session:
        first = queries.plan_revisit(session, url=URL, policy=POLICY, first_archived_at=T0, next_due_at=T0,
                                     capture_id=None)
    with db.session() as session:  # the other process: it saw no plan a moment ago, and inserts its own
        assert queries.plan_revisit(session, url=URL, policy=[1.0], first_archived_at=T0 + timedelta(hours=1),
                                    next_due_at=None, capture_id=None) is None
    with db.session() as session:  # the session is still good, and the first plan is untouched
        kept = queries.get_revisit(session, URL)
        assert kept is not None and (kept.id, kept.policy, kept.next_due_at) == (first.id, POLICY, T0)
        assert len(session.scalars(select(Revisit)).all()) == 1
    db.close()


def test_article_is_revisited_at_the_policy_times_and_not_after_the_last(archive, tmp_path, fake_log):
    archive_and_note(archive, "v1", T0)
    other = add_article(archive, OTHER_SITE, title="Elsewhere", text="Another site's story, in full.",
                        fetched_at=T0)
    note_capture(archive.catalogue, other.id, policy=POLICY)
    clock = FakeClock(T0 + timedelta(minutes=59))
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    assert runs(fake_log) == []  # not due yet
    seen = []
    for offset in POLICY:
        clock.now = T0 + timedelta(seconds=offset)
        sched = scheduler(archive, tmp_path, clock)
        sched.run(once=True, tick=0.02)
        # One run per site, each with its own URL, fetched again even though archived recently.
        done = runs(fake_log)[len(seen):]
        assert sorted(u for r in done for u in r["urls"]) == sorted([URL, OTHER_SITE])
        assert all(len(r["urls"]) == 1 and "--refresh" in r["argv"] for r in done)
        assert {r["argv"][r["argv"].index("--name") + 1] for r in done} == \
            {"revisit-news.example.com", "revisit-other.example.net"}
        seen.extend(done)
        row = revisit_row(archive, URL)
        assert row.lease_owner is None
        following = POLICY.index(offset) + 1
        expected = T0 + timedelta(seconds=POLICY[following]) if following < len(POLICY) else None
        assert row.next_due_at == expected
    assert len(seen) == 2 * len(POLICY)
    clock.now = T0 + timedelta(days=60)
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    assert len(runs(fake_log)) == len(seen)  # the plan is over
    assert not list((tmp_path / "revisits").glob("*.txt"))  # URL files removed after each run


def test_after_downtime_missed_steps_are_skipped(archive, tmp_path, fake_log):
    archive_and_note(archive, "v1", T0)
    clock = FakeClock(T0 + timedelta(days=2))
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    assert [r["urls"] for r in runs(fake_log)] == [[URL]]  # once, not once per missed step
    row = revisit_row(archive, URL)
    assert (row.step, row.next_due_at) == (3, T0 + timedelta(days=7))


def test_urls_of_one_site_run_in_batches_one_run_at_a_time(archive, tmp_path, fake_log):
    urls = [f"https://news.example.com/story-{n}" for n in range(3)]
    for n, url in enumerate(urls):
        capture = add_article(archive, url, title=f"Story {n}", text=f"Story number {n} in full.", fetched_at=T0)
        note_capture(archive.catalogue, capture.id, policy=POLICY)
    sched = scheduler(archive, tmp_path, FakeClock(T0 + timedelta(hours=1)), batch=2)
    sched.run(once=True, tick=0.02)
    assert [r["urls"] for r in runs(fake_log)] == [urls[:2], urls[2:]]
    assert [host for host, code, _ in sched.revisits.finished] == ["com.example.news"] * 2


def test_a_leased_revisit_is_not_claimed_by_a_second_scheduler(archive):
    archive_and_note(archive, "v1", T0)
    now = T0 + timedelta(hours=1)
    row = revisit_row(archive, URL)
    with archive.db.session() as session:
        assert queries.claim_revisit(session, row.id, owner="a", now=now, lease_until=now + timedelta(minutes=2))
    with archive.db.session() as session:
        assert not queries.claim_revisit(session, row.id, owner="b", now=now, lease_until=now + timedelta(minutes=2))
        assert queries.due_revisits(session, now) == []
    later = now + timedelta(minutes=3)  # the lease expired: its scheduler died
    with archive.db.session() as session:
        assert queries.claim_revisit(session, row.id, owner="b", now=later, lease_until=later + timedelta(minutes=2))
        assert session.scalars(select(Revisit.lease_owner)).one() == "b"


def test_revisits_command_lists_due_and_all_planned(archive):
    archive_and_note(archive, "v1", T0)  # due an hour after T0: long past
    fresh = add_article(archive, OTHER_SITE, title="Fresh", text="Just published, in full.")
    note_capture(archive.catalogue, fresh.id, policy=POLICY)
    home = archive.config.home
    code, out, err = run_cli(home, "revisits", "--json")
    assert code == 0, err
    [due] = [json.loads(line) for line in out.splitlines()]
    assert (due["url"], due["due"], due["step"], due["steps"]) == (URL, True, 0, 4)
    assert due["next_due_at"] == (T0 + timedelta(hours=1)).isoformat()
    code, out, _ = run_cli(home, "revisits", "--all", "--json")
    assert [json.loads(line)["url"] for line in out.splitlines()] == [URL, OTHER_SITE]
    code, out, _ = run_cli(home, "revisits")
    assert code == 0 and URL in out and "1/4" in out


@pytest.mark.parametrize("policy", ["6h,1h", "soon"])
def test_a_bad_revisit_policy_is_one_line_and_exit_2(tmp_path, policy):
    code, out, err = run_cli(tmp_path / "archive", "scheduler", "--once", env={"ARCHIVER_REVISIT_POLICY": policy})
    assert code == 2 and "ARCHIVER_REVISIT_POLICY" in err and "Traceback" not in err + out


def test_a_failed_revisit_run_is_retried_later_until_the_plan_ends(archive, tmp_path, fake_log, monkeypatch):
    archive_and_note(archive, "v1", T0)
    monkeypatch.setenv("WATCH_FAKE_EXIT", "3")
    clock = FakeClock(T0 + timedelta(hours=1))
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    row = revisit_row(archive, URL)
    assert (row.step, row.next_due_at, row.lease_owner) == (0, clock.now + RETRY_AFTER, None)
    clock.now = T0 + timedelta(days=8)  # failing still, after the last offset: the plan ends
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    assert revisit_row(archive, URL).next_due_at is None
    assert len(runs(fake_log)) == 2
