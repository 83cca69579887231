"""Replace a capture's article with a newer extraction: new WARC records, the same catalogue row.

WARC files are append-only, so a new extraction is written as a new ``conversion`` record (the
text) and a new ``metadata`` record (the fields as JSON), both referring to the capture's
response record like the first ones. The ``articles`` row is then updated in place (its id
stays, the full-text index follows through its triggers) to point at the new conversion
record; the articles of revisits repeating that payload get the same values. When the
catalogue is rebuilt from the WARC files, the newest records win (:mod:`storage.reindex`).
"""

from __future__ import annotations

from typing import Any

from storage.archive import Archive
from storage.article_records import write_article_records
from storage.articles import ARTICLE_FIELDS, ArticleData, article_row, copy_article_columns, follows_from_payload
from storage.catalogue import queries
from storage.catalogue.extraction import articles_copied_from
from storage.catalogue.models import Article, Capture
from storage.errors import CatalogueError

__all__ = ["article_changes", "replace_article"]

#: ArticleData fields compared to tell whether an extraction changed (not the extractor's name).
_COMPARED = tuple(name for name in ARTICLE_FIELDS if name != "extractor")


def _stored(article: Article, name: str) -> Any:
    if name in ("field_sources", "listing"):
        return dict(getattr(article, name) or {})
    value = getattr(article, name)
    return list(value or []) if name in ("authors", "tags") else value


def article_changes(article: Article | None, data: ArticleData) -> list[str]:
    """Names of the fields whose stored value differs from ``data`` (all filled ones if no article)."""
    if article is None:
        return [name for name in _COMPARED if getattr(data, name)]
    changed = []
    for name in _COMPARED:
        new = getattr(data, name)
        new = list(new) if name in ("authors", "tags") else (dict(new) if name in ("field_sources", "listing") else new)
        if _stored(article, name) != new:
            changed.append(name)
    return changed


def replace_article(archive: Archive, capture: Capture, data: ArticleData) -> Article:
    """Write ``data`` as new conversion + metadata records of ``capture``; update or add its article row."""
    if capture.record_id is None or capture.id is None:
        raise CatalogueError(f"capture {capture.id} has no WARC record to attach an article to")
    conversion = write_article_records(archive.writer, capture.url, capture.record_id, data)
    fresh = article_row(capture.id, data)
    if conversion is not None:
        fresh.conversion_file = conversion.filename
        fresh.conversion_offset = conversion.offset
        fresh.conversion_length = conversion.length
        fresh.conversion_record_id = conversion.record_id
    with archive.db.session() as session:
        article = queries.article_for_capture(session, capture.id)
        if article is None:
            session.add(fresh)
            article = fresh
        else:
            copy_article_columns(fresh, article)
        if follows_from_payload(fresh):  # a browser-made article is this URL's own, not its payload's
            for copy in articles_copied_from(session, capture.id):
                copy_article_columns(fresh, copy)
        session.flush()
    return article


