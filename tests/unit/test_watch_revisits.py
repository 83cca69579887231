"""Revisit plans in the catalogue and the ``revisits`` command, in process (revisit runs: e2e/)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.catalogue_samples import add_article
from support.cli import run_cli
from support.services import BACKENDS
from support.watch_samples import POLICY, T0, URL, archive_and_note, revisit_row

from archiver.crawler.changes.record import note_capture
from storage.catalogue import changes as queries
from storage.catalogue.database import Database
from storage.catalogue.models import Revisit

OTHER_SITE = "https://other.example.net/story"


@pytest.mark.parametrize("backend", BACKENDS)
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
