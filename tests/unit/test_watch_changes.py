"""Change detection: three edits give three change rows with the right fields; noise gives none."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from support.watch_samples import (
    ADDED,
    BODY,
    MOST_READ_A,
    MOST_READ_B,
    OTHER_URL,
    T0,
    THIRD_URL,
    URL,
    archive_and_note,
    other_page,
)

from archiver.crawler.changes.compare import Version, compare
from storage.catalogue.models import ChangeRecord, Revisit


def _changes(archive):
    with archive.db.session() as session:
        return list(session.scalars(select(ChangeRecord).order_by(ChangeRecord.id)))


def test_headline_then_body_then_byline_edits_give_three_change_rows(archive):
    assert archive_and_note(archive, "v1", T0) is None  # first capture: a plan, no change
    archive_and_note(archive, "v2", T0 + timedelta(hours=1))
    archive_and_note(archive, "v3", T0 + timedelta(hours=6))
    archive_and_note(archive, "v4", T0 + timedelta(days=1))
    rows = _changes(archive)
    assert [row.fields for row in rows] == [["title"], ["body"], ["authors"]]
    title, body, byline = rows
    assert title.details["title"] == {"old": "Port workers strike over pay",
                                      "new": "Port workers strike over pay and conditions"}
    assert (title.words_added, title.words_removed) == (2, 0)
    assert (body.sentences_added, body.sentences_removed, body.sentences_edited) == (1, 0, 0)
    assert body.details["body"]["added"] == [ADDED]
    assert body.words_added == len(ADDED.split()) and body.words_removed == 0
    assert byline.details["authors"] == {"old": ["Ann Smith"], "new": ["Ann Smith", "Bo Lee"]}
    # Each row links the two captures compared, in order, with their times.
    assert title.after_capture_id == body.before_capture_id and body.after_capture_id == byline.before_capture_id
    assert body.after_fetched_at == T0 + timedelta(hours=6) and body.url == URL
    with archive.db.session() as session:
        revisit = session.scalars(select(Revisit)).one()
    assert revisit.last_capture_id == byline.after_capture_id


def test_identical_payload_is_a_revisit_and_no_change(archive):
    archive_and_note(archive, "v1", T0)
    assert archive_and_note(archive, "v1", T0 + timedelta(hours=1)) is None
    assert _changes(archive) == []
    with archive.db.session() as session:
        revisit = session.scalars(select(Revisit)).one()
        from storage.catalogue.models import Capture
        last = session.get(Capture, revisit.last_capture_id)
        assert last.record_type == "revisit" and last.revisit_of_id is not None  # compared, found equal


def test_sidebar_only_change_gives_no_change_row(archive):
    for url in (OTHER_URL, THIRD_URL):
        other_page(archive, T0, MOST_READ_A, url=url)
    archive_and_note(archive, "v1", T0, sidebar=MOST_READ_A)
    other_page(archive, T0 + timedelta(hours=1), MOST_READ_B)
    # Shown on one other page only, the teaser sentence of box B could be the story's own: an edit.
    assert archive_and_note(archive, "v1", T0 + timedelta(hours=1), sidebar=MOST_READ_B).fields == ["body"]
    other_page(archive, T0 + timedelta(hours=2), MOST_READ_B, url=THIRD_URL)
    assert archive_and_note(archive, "v1", T0 + timedelta(hours=2), sidebar=MOST_READ_A) is None
    assert archive_and_note(archive, "v1", T0 + timedelta(hours=3), sidebar=MOST_READ_B) is None
    assert len(_changes(archive)) == 1
    # The teaser sentence in box B is ignored only because the site's other pages show it too.
    body = "\n".join(BODY)
    alone = compare(Version(text="\n".join([body, *MOST_READ_A])), Version(text="\n".join([body, *MOST_READ_B])))
    assert alone.fields == ["body"] and alone.sentences_added == [MOST_READ_B[-1]]


def test_whitespace_and_typography_are_not_edits():
    old = Version(title="Port workers' strike", text="He said: \u201cNo.\u201d  It was over \u2013 for now.")
    new = Version(title="Port  workers\u2019 strike ", text="He said: \"No.\"\nIt was over - for now.")
    assert not compare(old, new)


def test_an_edited_sentence_counts_as_edited_not_added_and_removed():
    old = Version(text="The mayor said the budget was balanced and fair to every district.")
    new = Version(text="The mayor said the budget was balanced but unfair to some districts.")
    change = compare(old, new)
    assert change.fields == ["body"]
    assert len(change.sentences_edited) == 1 and not change.sentences_added and not change.sentences_removed
    assert change.words_added > 0 and change.words_removed > 0


def test_headline_and_byline_glued_to_the_body_are_not_body_edits():
    # Extraction of a short page may put the headline and byline before the first paragraph.
    body = "Dock workers walked off the job. The union said the strike would last."
    old = Version(title="Port strike", authors=("Ann Smith",), text=f"Port strike By Ann Smith {body}")
    new = Version(title="Port strike over pay", authors=("Ann Smith", "Bo Lee"),
                  text=f"Port strike over pay By Ann Smith, Bo Lee {body}")
    assert compare(old, new).fields == ["title", "authors"]
    assert compare(old, Version(title="Port strike", authors=("Ann Smith",), text=body.replace("\n", " "))).fields \
        == []
