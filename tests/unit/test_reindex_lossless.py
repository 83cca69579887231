"""Reindex keeps what a crawl decided: page kinds, change rows and their capture links, runs, watermarks.

The end-to-end proof (real crawls, every output compared) is tests/e2e/test_reindex_lossless.py;
these tests pin each piece on a small archive, and check that an archive written before these
records reindexes as it always did.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from support.catalogue_samples import page
from support.watch_samples import POLICY, T0, URL, archive_version

from archiver.crawler.changes.record import note_capture
from archiver.services.reindex import reindex
from storage import Archive, StorageConfig
from storage.catalogue.models import Capture, ChangeRecord, Revisit
from storage.change_records import CHANGE_URN
from storage.page_kind import INDEX, PAGE_KIND_URN, record_page_kind
from storage.warc.http import HttpResponse
from storage.warc.reader import iter_records

SECTION = "https://news.example.com/section/world"
SECTION_HTML = ("<html><head><title>World</title></head><body><h1>World</h1>"
                + "".join(f'<article><h2><a href="/story/{i}">Story number {i} of the day in the world</a></h2>'
                          "<p>A teaser long enough to look like a paragraph of text for the extractor.</p></article>"
                          for i in range(8)) + "</body></html>")


def _config(home: Path) -> StorageConfig:
    return StorageConfig.from_env({}, home=home, fsync_interval=0.0)


def _records(home: Path) -> list:
    return [r for path in sorted((home / "warcs").glob("*.warc.gz")) for r in iter_records(path)]


def _section(archive: Archive, *, decided: bool) -> Capture:
    capture = archive.record_exchange(SECTION, *page(SECTION, SECTION_HTML))
    if decided:
        assert capture.record_id
        record_page_kind(archive.writer, page_url=SECTION, page_record_id=capture.record_id, kind=INDEX)
    return capture


@pytest.mark.parametrize("decided", [True, False], ids=["page-kind record", "old archive"])
def test_a_page_judged_not_an_article_stays_one_after_reindex(tmp_path: Path, decided: bool) -> None:
    home = tmp_path / "a"
    with Archive(_config(home)) as archive:
        section = _section(archive, decided=decided)
    if decided:
        (mine,) = [r for r in _records(home) if r.target_uri.startswith(PAGE_KIND_URN)]
        assert mine.record_type == "metadata" and mine.target_uri == PAGE_KIND_URN + SECTION
        assert mine.header("WARC-Refers-To") == section.record_id
        assert json.loads(mine.payload)["kind"] == INDEX
    with Archive(_config(home)) as archive:
        result = reindex(archive, from_scratch=True)
        rebuilt = archive.catalogue.latest_capture(SECTION)
        assert rebuilt is not None and rebuilt.record_id == section.record_id
        # With the record: no article, as the crawl left it. Without (an archive written before): extracted, as ever.
        assert (rebuilt.article is None) is decided
        assert result.articles_added == (0 if decided else 1)
        assert result.not_articles == ({section.record_id} if decided else set())


def test_changes_come_back_with_their_captures_runs_and_watermark(tmp_path: Path) -> None:
    home = tmp_path / "a"
    with Archive(_config(home)) as archive:
        run = archive.start_run("crawl", name="watch")
        captures = []
        for step, version in enumerate(("v1", "v2", "v3")):
            capture = archive_version(archive, version, T0 + timedelta(hours=step))
            with archive.db.session() as session:
                session.get(Capture, capture.id).crawl_run_id = run
            captures.append(capture)
            note_capture(archive.catalogue, capture.id, policy=POLICY, now=T0 + timedelta(hours=step),
                         writer=archive.writer)
        with archive.db.session() as session:
            before = [(c.id, c.url, c.before_capture_id, c.after_capture_id, c.fields, c.details, c.after_fetched_at)
                      for c in session.scalars(select(ChangeRecord).order_by(ChangeRecord.id))]
    assert [row[4] for row in before] == [["title"], ["body"]]
    change_records = [r for r in _records(home) if r.target_uri.startswith(CHANGE_URN)]
    assert [json.loads(r.payload)["id"] for r in change_records] == [row[0] for row in before]
    assert [r.header("WARC-Refers-To") for r in change_records] == [captures[1].record_id, captures[2].record_id]

    record_ids = {c.id: c.record_id for c in captures}
    with Archive(_config(home)) as archive:
        reindex(archive, from_scratch=True)
        with archive.db.session() as session:
            by_record = {c.record_id: c for c in session.scalars(select(Capture))}
            after = [(c.id, c.url, c.before_capture_id, c.after_capture_id, c.fields, c.details, c.after_fetched_at)
                     for c in session.scalars(select(ChangeRecord).order_by(ChangeRecord.id))]
            expected = [(cid, url, by_record[record_ids[b]].id, by_record[record_ids[a]].id, fields, details, at)
                         for cid, url, b, a, fields, details, at in before]
            assert after == expected  # same ids, links to the rebuilt captures of the same records
            assert {by_record[record_ids[c.id]].crawl_run_id for c in captures} == {run}
            plan = session.scalars(select(Revisit).where(Revisit.url == URL)).one()
            assert plan.last_capture_id == by_record[captures[2].record_id].id
        # Indexing again adds no change row twice.
        reindex(archive)
        with archive.db.session() as session:
            assert len(list(session.scalars(select(ChangeRecord)))) == 2


def test_a_fresh_catalogue_gets_the_change_rows_added(tmp_path: Path) -> None:
    home = tmp_path / "a"
    with Archive(_config(home)) as archive:
        for step, version in enumerate(("v1", "v2")):
            capture = archive_version(archive, version, T0 + timedelta(hours=step))
            note_capture(archive.catalogue, capture.id, policy=POLICY, now=T0 + timedelta(hours=step),
                         writer=archive.writer)
    fresh = tmp_path / "b"
    with Archive(_config(fresh)) as archive:
        reindex(archive, files=sorted((home / "warcs").glob("*.warc.gz")))
        changes = archive.catalogue.changes()
        assert [(c.url, c.fields) for c in changes] == [(URL, ["title"])]
        assert changes[0].after_capture_id is not None and changes[0].before_capture_id is not None


def test_a_change_whose_record_cannot_be_written_is_not_committed(tmp_path: Path) -> None:
    def broken(change: ChangeRecord, before: Capture, after: Capture) -> None:
        raise OSError("disk full")

    with Archive(_config(tmp_path)) as archive:
        archive_version(archive, "v1", T0)
        note_capture(archive.catalogue, archive.catalogue.latest_capture(URL).id, policy=POLICY, now=T0)
        second = archive_version(archive, "v2", T0 + timedelta(hours=1))
        with pytest.raises(OSError):
            archive.catalogue.note_capture(second.id, policy=POLICY, detect=lambda *a: _title_change(),
                                           now=T0 + timedelta(hours=1), record=broken)
        assert archive.catalogue.changes() == []


def _title_change():  # noqa: ANN202
    from storage.catalogue import DetectedChange

    return DetectedChange(fields=["title"], words_added=2, words_removed=0, sentences_added=0,
                          sentences_removed=0, sentences_edited=0, details={})


def test_the_hops_of_a_redirect_chain_keep_the_url_that_started_it(tmp_path: Path) -> None:
    start, moved, final = (f"https://news.example.com/{name}" for name in ("old", "moved", "story"))
    home = tmp_path / "a"
    with Archive(_config(home)) as archive:
        for url, target in ((start, moved), (moved, final)):
            request, _ = page(url, "")
            archive.record_exchange(url, request, HttpResponse(301, [("Location", target)]), requested_url=start,
                                    redirect_location=target, fetched_at=T0)
        archive.record_exchange(final, *page(final, SECTION_HTML), requested_url=start,
                                fetched_at=T0 + timedelta(seconds=1))
        later = archive.record_exchange(final, *page(final, SECTION_HTML + " "), fetched_at=T0 + timedelta(hours=1))
        assert later.requested_url == final
    with Archive(_config(home)) as archive:
        reindex(archive, from_scratch=True)
        with archive.db.session() as session:
            rows = [(c.url, c.requested_url) for c in session.scalars(select(Capture).order_by(Capture.id))]
    assert rows == [(start, start), (moved, start), (final, start), (final, final)]
