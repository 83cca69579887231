"""Extracted article fields as the archive stores them, and the catalogue row made from them.

:class:`ArticleData` is the one declaration of an article's fields. The rest follows from it:
the catalogue's ``articles`` table has a column of the same name for each (plus the
:data:`DERIVED_COLUMNS` made from them and the :data:`CONVERSION_COLUMNS` locating the text's
WARC record; a test checks the model and the dataclass agree), :func:`article_row` builds the
row, :func:`article_metadata` the WARC metadata record, and the crawl pipeline fills it from the
extractor's result field by field name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from storage.catalogue.models import Article
from storage.timefmt import parse_iso_or_none

__all__ = ["ARTICLE_COLUMNS", "ARTICLE_FIELDS", "CONVERSION_COLUMNS", "DERIVED_COLUMNS", "ArticleData",
           "article_metadata", "article_row", "copy_article_columns", "follows_from_payload"]

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


#: The fields of :class:`ArticleData`, in order; each is an ``articles`` column of the same name.
ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(ArticleData))
#: ``articles`` columns computed from the fields: the authors joined with "; " (searchable) and
#: the publication date as an instant in UTC (sortable, filterable).
DERIVED_COLUMNS = ("author", "published_at")
#: ``articles`` columns locating the WARC conversion record of the text, set when it is written.
CONVERSION_COLUMNS = ("conversion_file", "conversion_offset", "conversion_length", "conversion_record_id")


def article_row(capture_id: int, data: ArticleData) -> Article:
    """The ``articles`` row for extracted ``data`` of capture ``capture_id`` (not yet added to a session)."""
    values = {name: _copy(getattr(data, name)) for name in ARTICLE_FIELDS}
    values["listing"] = values["listing"] or None
    return Article(capture_id=capture_id, author="; ".join(data.authors) or None,
                   published_at=parse_iso_or_none(data.published), **values)


def article_metadata(data: ArticleData) -> dict[str, Any]:
    """The fields of the WARC ``metadata`` record of an article: all but the text (in its ``conversion`` record)."""
    metadata = asdict(data)
    del metadata["text"]
    return metadata


def follows_from_payload(article: Article) -> bool:
    """Whether ``article`` is what the capture's payload alone gives, so a revisit (same payload) may share it.

    Not an article the browser lane made: that depends on the page's URL and on what its scripts
    fetched, which an identical HTML shell (every route of a single-page app) does not repeat.
    """
    return (article.field_sources or {}).get("text") != "browser"


def copy_article_columns(source: Article, target: Article) -> None:
    """Give ``target`` every :data:`ARTICLE_COLUMNS` value of ``source``."""
    for column in ARTICLE_COLUMNS:
        setattr(target, column, getattr(source, column))


def _copy(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return list(value)
    return dict(value) if isinstance(value, dict) else value
