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
from datetime import datetime

from archiver.crawler.changes.compare import FieldChange, Version, compare, site_sentence_set
from storage.catalogue import Article, Catalogue, ChangeRecord, DetectedChange, utcnow
from storage.change_records import change_recorder
from storage.warc.writer import WarcWriter

__all__ = ["note_capture", "version_of"]

log = logging.getLogger(__name__)


def version_of(article: Article) -> Version:
    """The compared fields of a catalogue article."""
    return Version(title=article.title, description=article.description, authors=tuple(article.authors or ()),
                   published=article.published, modified=article.modified, text=article.text)


def note_capture(catalogue: Catalogue, capture_id: int, *, policy: Sequence[float], webhook_url: str | None = None,
                 now: datetime | None = None, writer: WarcWriter | None = None) -> ChangeRecord | None:
    """Plan revisits for, or detect an edit in, capture ``capture_id``; return the change row written, if any.

    With ``writer``, a change is also written to the WARC (a ``urn:change:`` record, before its row
    is committed), so that ``archiver reindex`` gets it back (:mod:`storage.change_records`).
    """
    row = catalogue.note_capture(capture_id, policy=policy, detect=_detect, now=now or utcnow(),
                                 webhook_url=webhook_url, record=change_recorder(writer) if writer else None)
    if row is not None:
        log.info("%s changed (%s) between captures %d and %d", row.url, ", ".join(row.fields),
                 row.before_capture_id, row.after_capture_id)
    return row


def _detect(before: Article, after: Article, site_texts: list[str | None]) -> DetectedChange | None:
    """The change between two versions of a page, ignoring the sentences its site's other pages share."""
    change = compare(version_of(before), version_of(after), site_sentences=site_sentence_set(site_texts))
    return _detected(change) if change else None


def _detected(change: FieldChange) -> DetectedChange:
    return DetectedChange(fields=list(change.fields), words_added=change.words_added,
                          words_removed=change.words_removed, sentences_added=len(change.sentences_added),
                          sentences_removed=len(change.sentences_removed),
                          sentences_edited=len(change.sentences_edited), details=change.details)
