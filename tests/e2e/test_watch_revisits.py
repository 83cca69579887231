"""Revisits run by the scheduler with a fake clock, its children support/watch_fake_crawl.py: the
policy's times, missed steps, batches per site, retries."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import support
from support.catalogue_samples import add_article
from support.watch_samples import POLICY, T0, URL, archive_and_note, revisit_row

from archiver.crawler.changes.record import note_capture
from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.daemon import Scheduler
from archiver.services.scheduling.revisits import RETRY_AFTER

FAKE = str(Path(support.__file__).with_name("watch_fake_crawl.py"))
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


def test_a_failed_revisit_run_is_retried_later_until_the_plan_ends(archive, tmp_path, fake_log, monkeypatch):
    archive_and_note(archive, "v1", T0)
    monkeypatch.setenv("WATCH_FAKE_EXIT", "1")  # 3 is a batch fetched with some pages failed
    clock = FakeClock(T0 + timedelta(hours=1))
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    row = revisit_row(archive, URL)
    assert (row.step, row.next_due_at, row.lease_owner) == (0, clock.now + RETRY_AFTER, None)
    clock.now = T0 + timedelta(days=8)  # failing still, after the last offset: the plan ends
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    assert revisit_row(archive, URL).next_due_at is None
    assert len(runs(fake_log)) == 2


def test_a_revisit_run_with_some_pages_failed_counts_as_fetched(archive, tmp_path, fake_log, monkeypatch):
    archive_and_note(archive, "v1", T0)
    monkeypatch.setenv("WATCH_FAKE_EXIT", "3")  # archiver crawl: pages archived, some fetches failed
    clock = FakeClock(T0 + timedelta(hours=1))
    scheduler(archive, tmp_path, clock).run(once=True, tick=0.02)
    row = revisit_row(archive, URL)
    assert row.step == 1 and row.next_due_at != clock.now + RETRY_AFTER  # moved on, not retried
