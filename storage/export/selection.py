"""Stream the articles a search selects, in batches, for exports of any size."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Article
from storage.catalogue.search_model import SearchFilters

__all__ = ["selected_articles"]


def selected_articles(session: Session, filters: SearchFilters, *, limit: int | None = None,
                      batch: int = 200) -> Iterator[Article]:
    """Every article matching ``filters`` (captures loaded), in search order, ``batch`` rows at a time.

    Only ids are held for the whole selection; each batch is released from the session once
    the caller has moved past it, so memory stays flat however many articles are exported.
    """
    ids = [article_id for article_id, _capture_id in queries.search_ids(session, filters)]
    if limit is not None:
        ids = ids[:limit]
    for start in range(0, len(ids), batch):
        yield from queries.articles_by_ids(session, ids[start:start + batch])
        session.expunge_all()
