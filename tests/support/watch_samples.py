"""A news page that is edited in steps, and helpers to archive its versions and run the watch hook.

Used by the watch tests (test_watch*.py in unit/ and e2e/): each version is archived through
:func:`support.catalogue_samples.add_article` (real WARC records, catalogue rows), then
:func:`archiver.crawler.changes.record.note_capture` runs on it as the pipeline would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from archiver.crawler.changes.record import note_capture
from storage import Archive, ArticleData
from storage.catalogue import changes as queries
from storage.catalogue.models import Capture, ChangeRecord, Revisit
from support.catalogue_samples import add_article, page

URL = "https://news.example.com/2026/11/30/port-strike"
OTHER_URL = "https://news.example.com/2026/11/30/budget-vote"
THIRD_URL = "https://news.example.com/2026/11/30/storm-warning"
T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
POLICY = [3600.0, 6 * 3600.0, 86400.0, 7 * 86400.0]

BODY = [
    "Dock workers walked off the job at the port on Monday morning.",
    "The union said the strike would last until wages were renegotiated.",
    "Ships were queuing outside the harbour by the afternoon, officials said.",
]
#: A sentence the body gains in the second edit.
ADDED = "The transport minister said talks would resume on Wednesday."
#: Rotating "most read" boxes: link-like headlines, the same on every page of the site.
MOST_READ_A = ["Most read", "Budget vote delayed again", "Storm closes coastal roads", "Five dead in crash"]
MOST_READ_B = ["Most read", "Rail fares to rise in January", "Budget vote delayed again",
               "The mayor resigned on Sunday after a week of protests over the closure of the city library."]
SITE_BOX = "Sign up for our morning newsletter to get the day's top stories in your inbox."

VERSIONS = {
    "v1": {"title": "Port workers strike over pay", "authors": ("Ann Smith",), "body": BODY},
    "v2": {"title": "Port workers strike over pay and conditions", "authors": ("Ann Smith",), "body": BODY},
    "v3": {"title": "Port workers strike over pay and conditions", "authors": ("Ann Smith",),
           "body": [*BODY[:2], ADDED, BODY[2]]},
    "v4": {"title": "Port workers strike over pay and conditions", "authors": ("Ann Smith", "Bo Lee"),
           "body": [*BODY[:2], ADDED, BODY[2]]},
}


def archive_version(archive: Archive, name: str, at: datetime, *, sidebar: list[str] | None = None,
                    url: str = URL, extra: str = "") -> Capture:
    """Archive version ``name`` of the page at time ``at`` (the sidebar lines join the extracted text)."""
    version = VERSIONS[name]
    lines = [*version["body"], *(sidebar or []), SITE_BOX]
    title, authors, text = version["title"] + extra, version["authors"], "\n".join(lines)
    byline = "".join(f'<meta name="author" content="{a}">' for a in authors)
    paragraphs = "".join(f"<p>{line}</p>" for line in lines)
    request, response = page(url, f"<html><head><title>{title}</title>{byline}</head><body><h1>{title}</h1>"
                                  f"{paragraphs}</body></html>")
    capture = archive.record_exchange(url, request, response, fetched_at=at)
    if capture.record_type == "revisit" and capture.revisit_of_id:
        archive.copy_article(capture.revisit_of_id, capture)  # as the extraction pipeline does
        return capture
    archive.record_article(capture, ArticleData(title=title, authors=list(authors), text=text,
                                                published="2026-11-30T07:45:00+00:00",
                                                word_count=len(text.split())))
    return capture


def archive_and_note(archive: Archive, name: str, at: datetime, *, webhook_url: str | None = None,
                     **kwargs: object) -> ChangeRecord | None:
    """Archive a version and run the watch hook on it, as the crawl's pipeline does."""
    capture = archive_version(archive, name, at, **kwargs)  # type: ignore[arg-type]
    return note_capture(archive.catalogue, capture.id, policy=POLICY, webhook_url=webhook_url, now=at)


def other_page(archive: Archive, at: datetime, sidebar: list[str], *, url: str = OTHER_URL) -> Capture:
    """Another article of the same site showing the same boxes."""
    return add_article(archive, url, title=f"Budget vote delayed again ({url[-5:]})",
                       text="\n".join([f"Parliament postponed the vote on the budget ({url[-5:]}).",
                                       *sidebar, SITE_BOX]),
                       fetched_at=at - timedelta(minutes=5))


def three_edits(archive: Archive, webhook_url: str | None = None) -> list[ChangeRecord]:
    """The page's headline, then body, then byline edits (three change rows), oldest first."""
    archive_and_note(archive, "v1", T0, webhook_url=webhook_url)
    archive_and_note(archive, "v2", T0 + timedelta(hours=1), webhook_url=webhook_url)
    archive_and_note(archive, "v3", T0 + timedelta(hours=6), webhook_url=webhook_url)
    archive_and_note(archive, "v4", T0 + timedelta(days=1), webhook_url=webhook_url)
    with archive.db.session() as session:
        return list(session.scalars(select(ChangeRecord).order_by(ChangeRecord.id)))


def revisit_row(archive: Archive, url: str) -> Revisit:
    """The revisit plan of ``url``; it must exist."""
    with archive.db.session() as session:
        row = queries.get_revisit(session, url)
        assert row is not None
        return row
