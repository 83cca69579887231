"""The watch on PostgreSQL: migration 0005, change rows and their filters, revisit leases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from support.watch_samples import T0, URL, archive_and_note

from storage import Archive, StorageConfig
from storage.catalogue import changes as queries
from storage.catalogue.models import ChangeRecord


def test_three_edits_filters_and_leases_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    config = StorageConfig.from_env({"ARCHIVER_DATABASE_URL": postgres_url}, home=tmp_path / "archive",
                                    fsync_interval=0.0)
    with Archive(config) as archive:
        for n, name in enumerate(("v1", "v2", "v3", "v4")):
            archive_and_note(archive, name, T0 + timedelta(hours=6 * n), webhook_url="https://hooks.example/in")
        with archive.db.session() as session:
            rows = list(session.scalars(select(ChangeRecord).order_by(ChangeRecord.id)))
            assert [row.fields for row in rows] == [["title"], ["body"], ["authors"]]
            assert [c.fields for c in queries.list_changes(session, site="example.com")] == \
                [["authors"], ["body"], ["title"]]
            assert [c.fields for c in queries.list_changes(session, fields=["body"], min_words=5)] == [["body"]]
            assert queries.list_changes(session, site="example.org") == []
            assert len(queries.due_deliveries(session, T0 + timedelta(days=2))) == 3
            revisit = queries.get_revisit(session, URL)
            now = revisit.next_due_at
        with archive.db.session() as session:
            assert queries.claim_revisit(session, revisit.id, owner="a", now=now,
                                         lease_until=now + timedelta(minutes=2))
        with archive.db.session() as session:
            assert not queries.claim_revisit(session, revisit.id, owner="b", now=now,
                                             lease_until=now + timedelta(minutes=2))
