"""The watch end to end: real crawls of a local site that is edited, revisits run by the scheduler.

A first `archiver crawl --urls` archives two pages and plans their revisits; the scheduler, on
a fake clock, then runs each revisit step as a real `archiver crawl --urls --refresh` child.
Between steps the site changes: only its "most read" box (no change row), then the headline,
then a body sentence, then the byline (one change row each), while the other page stays the
same (a 304, archived as a revisit, no change row). After the last step nothing runs.
"""

from __future__ import annotations

import os
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from support.cli import run_archiver
from support.watch_samples import ADDED, POLICY
from support.watch_site import running_watch_site

from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.daemon import Scheduler
from storage import StorageConfig
from storage.catalogue import changes as queries
from storage.catalogue.database import Database
from storage.catalogue.models import Capture, ChangeRecord


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def control(base: str, **state: str) -> None:
    query = "&".join(f"{k}={v}" for k, v in state.items())
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"{base}_control?{query}") as response:
        assert response.status == 204


def latest(db: Database, url: str) -> Capture:
    with db.session() as session:
        return session.scalars(select(Capture).where(Capture.url == url).order_by(Capture.id.desc())).first()


def test_revisits_find_three_edits_and_ignore_sidebars_and_304s(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "archive"
    monkeypatch.setenv("ARCHIVER_HOME", str(home))
    monkeypatch.delenv("ARCHIVER_DATABASE_URL", raising=False)
    monkeypatch.setenv("ARCHIVER_REVISIT_POLICY", "1h,6h,1d,7d")
    with running_watch_site() as base:
        article, other = f"{base}article", f"{base}other"
        urls = tmp_path / "urls.txt"
        urls.write_text(f"{article}\n{other}\n")
        done = run_archiver(home, "crawl", "--urls", str(urls), env={"ARCHIVER_REVISIT_POLICY": "1h,6h,1d,7d"},
                            timeout=120)
        assert done.returncode == 0, done.stderr
        db = Database(StorageConfig.from_env(os.environ).database_url)
        try:
            with db.session() as session:
                plans = [queries.get_revisit(session, url) for url in (article, other)]
                assert all(p.next_due_at == p.first_archived_at + timedelta(hours=1) and p.policy == POLICY
                           for p in plans)
                t0 = max(p.first_archived_at for p in plans)  # the two pages were fetched moments apart
            config = SchedulerConfig(poll=0.1, lease=60.0, stop_grace=10.0, max_runs=4)
            clock = FakeClock(t0)

            def step(offset: float) -> None:
                clock.now = t0 + timedelta(seconds=offset)
                scheduler = Scheduler(db, config, clock=clock, revisit_dir=tmp_path / "revisits")
                scheduler.run(once=True, tick=0.05)
                assert [code for _, code, _ in scheduler.revisits.finished] == [0]  # one run: one site

            control(base, sidebar="B")  # both pages: only the "most read" box changes
            step(POLICY[0])
            assert latest(db, article).status == 200 and latest(db, other).status == 200
            control(base, version="v2")  # the headline
            step(POLICY[1])
            unchanged = latest(db, other)
            assert (unchanged.status, unchanged.record_type, unchanged.revisit_of_id is not None) == \
                (304, "revisit", True)
            control(base, version="v3")  # a sentence added to the body
            step(POLICY[2])
            control(base, version="v4")  # a second author in the byline
            step(POLICY[3])
            with db.session() as session:
                rows = list(session.scalars(select(ChangeRecord).order_by(ChangeRecord.id)))
                assert [(row.url, row.fields) for row in rows] == \
                    [(article, ["title"]), (article, ["body"]), (article, ["authors"])]
                assert rows[0].details["title"]["new"] == "Port workers strike over pay and conditions"
                assert (rows[1].sentences_added, rows[1].sentences_removed, rows[1].sentences_edited) == (1, 0, 0)
                assert rows[1].details["body"]["added"] == [ADDED]
                assert rows[2].details["authors"]["new"] == ["Ann Smith", "Bo Lee"]
                assert queries.get_revisit(session, article).next_due_at is None  # the plan is over
                captures = session.scalar(select(Capture.id).order_by(Capture.id.desc()).limit(1))
            clock.now = t0 + timedelta(days=30)
            scheduler = Scheduler(db, config, clock=clock, revisit_dir=tmp_path / "revisits")
            scheduler.run(once=True, tick=0.05)
            assert scheduler.revisits.finished == []
            with db.session() as session:
                assert session.scalar(select(Capture.id).order_by(Capture.id.desc()).limit(1)) == captures
        finally:
            db.close()
