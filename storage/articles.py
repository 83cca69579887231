"""Extracted article fields as the archive stores them, and the catalogue row made from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storage.catalogue.models import Article
from storage.timefmt import parse_iso_or_none

__all__ = ["ARTICLE_COLUMNS", "ArticleData", "article_row", "copy_article_columns"]

#: Every column of an article but its own id and its capture: what a copy (a revisit's article,
#: a re-extraction applied to copies, a rebuilt row) carries over.
ARTICLE_COLUMNS = tuple(column.key for column in Article.__table__.columns if column.key not in ("id", "capture_id"))


@dataclass(frozen=True)
class ArticleData:
    """Extracted article fields, as the catalogue stores them."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    text: str | None = None
    word_count: int = 0
    fingerprint: str | None = None
    extractor: str | None = None
    field_sources: dict[str, str] = field(default_factory=dict)
    #: What the sitemap or feed that listed the page said about it; kept in the WARC metadata record too.
    listing: dict[str, Any] = field(default_factory=dict)


def article_row(capture_id: int, data: ArticleData) -> Article:
    """The ``articles`` row for extracted ``data`` of capture ``capture_id`` (not yet added to a session)."""
    return Article(
        capture_id=capture_id,
        title=data.title,
        authors=list(data.authors),
        author="; ".join(data.authors) or None,
        published=data.published,
        published_at=parse_iso_or_none(data.published),
        modified=data.modified,
        sitename=data.sitename,
        language=data.language,
        description=data.description,
        canonical_url=data.canonical_url,
        image=data.image,
        tags=list(data.tags),
        text=data.text,
        word_count=data.word_count,
        fingerprint=data.fingerprint,
        extractor=data.extractor,
        field_sources=dict(data.field_sources),
        listing=dict(data.listing) or None,
    )


def copy_article_columns(source: Article, target: Article) -> None:
    """Give ``target`` every :data:`ARTICLE_COLUMNS` value of ``source``."""
    for column in ARTICLE_COLUMNS:
        setattr(target, column, getattr(source, column))
