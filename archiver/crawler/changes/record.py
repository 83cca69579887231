"""The watch hook, run for each capture once its article is in the catalogue.

- A URL archived for the first time gets a revisit plan (due at first capture + the policy's
  first offset).
- A later capture of a planned URL is compared with the capture last compared
  (:func:`archiver.crawler.changes.compare.compare`); a real edit becomes a ``changes`` row, and a webhook
  delivery when ``webhook_url`` is set. A 304 or an identical payload is a revisit sharing the
  earlier article: it compares equal and writes no change row.

Why here and not in a pass at the end of a crawl: the change is known as soon as the article is,
whichever path archived it (crawl, ``archiver archive``, the web app), and a crawl killed halfway
keeps the changes it found. It runs off the reactor thread (:mod:`archiver.crawler.changes.pipeline`), and
idempotently: the revisit row's ``last_capture_id`` is moved by a conditional update, and a
change row is unique per recapture.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from archiver.crawler.changes.compare import FieldChange, Version, compare, site_sentence_set
from storage.catalogue import changes as queries
from storage.catalogue.database import Database
from storage.catalogue.models import Article, ChangeRecord, utcnow

__all__ = ["note_capture", "version_of"]

log = logging.getLogger(__name__)


def version_of(article: Article) -> Version:
    """The compared fields of a catalogue article."""
    return Version(title=article.title, description=article.description, authors=tuple(article.authors or ()),
                   published=article.published, modified=article.modified, text=article.text)


def note_capture(db: Database, capture_id: int, *, policy: Sequence[float], webhook_url: str | None = None,
                 now: datetime | None = None) -> ChangeRecord | None:
    """Plan revisits for, or detect an edit in, capture ``capture_id``; return the change row written, if any."""
    with db.session() as session:
        found = queries.capture_with_article(session, capture_id)
        if found is None:
            return None  # nothing extracted: nothing to compare
        url, fetched_at = found
        revisit = queries.get_revisit(session, url)
        if revisit is None:  # the common case in a crawl: a first capture, whose article need not be loaded
            due = fetched_at + timedelta(seconds=policy[0]) if policy else None
            queries.plan_revisit(session, url=url, policy=policy, first_archived_at=fetched_at,
                                 next_due_at=due, capture_id=capture_id)
            return None
        found_article = queries.article_of(session, capture_id)
        if found_article is None:
            return None
        capture, article = found_article
        previous_id = revisit.last_capture_id
        if previous_id is not None and previous_id >= capture.id:
            return None  # already compared (or an older capture arriving late)
        if not queries.move_watermark(session, revisit.id, previous=previous_id, capture_id=capture.id):
            return None  # another process compared it
        before = queries.article_of(session, previous_id) if previous_id is not None else None
        if before is None:
            return None
        before_capture, before_article = before
        site = site_sentence_set(queries.site_texts(session, capture.host_key, exclude_url=capture.url))
        change = compare(version_of(before_article), version_of(article), site_sentences=site)
        if not change:
            return None
        row = queries.add_change(session, _row(change, before_capture.id, before_capture.fetched_at, capture.id,
                                               capture.url, capture.host_key, capture.fetched_at, article.title,
                                               now or utcnow()))
        if row is not None and webhook_url:
            session.flush()
            queries.add_delivery(session, row.id, webhook_url, now=now or utcnow())
        if row is not None:
            log.info("%s changed (%s) between captures %d and %d", capture.url, ", ".join(change.fields),
                     before_capture.id, capture.id)
        return row


def _row(change: FieldChange, before_id: int, before_at: datetime, after_id: int, url: str, site_key: str | None,
         after_at: datetime, title: str | None, now: datetime) -> ChangeRecord:
    return ChangeRecord(
        url=url, host_key=site_key, before_capture_id=before_id, after_capture_id=after_id,
        before_fetched_at=before_at, after_fetched_at=after_at, detected_at=now, title=title,
        fields=list(change.fields), words_added=change.words_added, words_removed=change.words_removed,
        sentences_added=len(change.sentences_added), sentences_removed=len(change.sentences_removed),
        sentences_edited=len(change.sentences_edited), details=change.details)
