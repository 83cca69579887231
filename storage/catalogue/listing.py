"""The default listing (the web UI's home page, no query): dated, titled articles first, newest first.

A page without a title or a publication date (a section front, an error page that still
got an "article") is listed after every dated article, newest capture first, so that it
never sits at the top just because it was fetched last. Searches keep their own order
(:mod:`storage.catalogue.search`); only this listing uses it.

It stays cheap on a large catalogue: the candidates come from two queries, each cut at the
page's limit and walked from an index (no sort of the whole table):

1. dated, titled articles by ``published_at DESC``: ``ix_articles_published_at`` read
   backwards, each row joined to its capture by primary key;
2. only when (1) did not fill the page, the others by ``captures.fetched_at DESC``:
   ``ix_captures_fetched_at`` read backwards, each capture joined to its article through
   the unique index on ``articles.capture_id``.

Each page (final URL) is listed once, as its latest capture, as in a search.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from storage.catalogue.models import Article, Capture
from storage.catalogue.search import _Row, _Search, hits_for_rows
from storage.catalogue.search_model import SearchFilters, SearchHit

__all__ = ["home_listing", "listing_statements"]


def _dated() -> ColumnElement[bool]:
    return and_(Article.published_at.is_not(None), Article.title.is_not(None), Article.title != "")


def listing_statements(fetch: int | None) -> tuple[Select[int, int, str, datetime], Select[int, int, str, datetime]]:
    """The two candidate queries (dated articles, then the rest), each cut at ``fetch`` rows."""
    columns = (Article.id, Capture.id, Capture.url, Capture.fetched_at)
    dated = (select(*columns).select_from(Article).join(Capture, Capture.id == Article.capture_id)
             .where(_dated())
             .order_by(Article.published_at.desc(), Capture.fetched_at.desc(), Article.id.desc()))
    undated = (select(*columns).select_from(Capture).join(Article, Article.capture_id == Capture.id)
               .where(or_(Article.published_at.is_(None), Article.title.is_(None), Article.title == ""))
               .order_by(Capture.fetched_at.desc(), Capture.id.desc()))
    if fetch is not None:
        dated, undated = dated.limit(fetch), undated.limit(fetch)
    return dated, undated


class _Listing(_Search):
    """A search with no query and no filter, whose candidates come in listing order."""

    def _candidates(self, fetch: int | None) -> list[_Row]:
        dated, undated = listing_statements(fetch)
        rows = [_Row(a, c, url, at, None) for a, c, url, at in self._execute(dated)]
        if fetch is None or len(rows) < fetch:
            if fetch is not None:
                undated = undated.limit(fetch - len(rows))
            rows += [_Row(a, c, url, at, None) for a, c, url, at in self._execute(undated)]
        return rows


def home_listing(session: Session, *, limit: int | None = 20, offset: int = 0) -> list[SearchHit]:
    """Every page once (its latest capture), dated and titled articles first, as search hits with a lead."""
    rows = _Listing(session, SearchFilters()).run(limit=limit, offset=offset)
    return hits_for_rows(session, SearchFilters(), rows)
