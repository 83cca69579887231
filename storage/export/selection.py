"""Stream the articles a search selects, in batches, for exports of any size."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Article, Rendering
from storage.catalogue.search_model import SearchFilters
from storage.export.wacz import WaczExport, export_wacz
from storage.export.warc import WarcExport, export_warc

__all__ = ["ExportSelection", "selected_articles"]


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


class ExportSelection:
    """The articles a search selects, streamed in batches, and the WARC/WACZ writers that read their captures."""

    def __init__(self, session: Session, filters: SearchFilters, *, limit: int | None) -> None:
        self._session = session
        #: Every selected article (its capture loaded), in search order; raises
        #: :class:`~storage.errors.SearchQueryError` on the first ``next`` for a bad query.
        self.articles: Iterator[Article] = selected_articles(session, filters, limit=limit)

    def screenshots(self, capture_ids: Iterable[int]) -> dict[int, Rendering]:
        """The screenshot of each of these page captures that has one: the browser lane's, else the
        newest made from replay (the one ``archiver get ID --screenshot`` writes)."""
        rows = self._session.scalars(select(Rendering).where(
            Rendering.page_capture_id.in_(list(capture_ids)), Rendering.kind == "fullPage",
        ).order_by(Rendering.created_at.desc(), Rendering.id.desc()))
        chosen: dict[int, Rendering] = {}
        for row in rows:
            held = chosen.get(row.page_capture_id)
            if held is None or (row.source == "browser" and held.source != "browser"):
                chosen[row.page_capture_id] = row
        return chosen

    def write_warc(self, warc_dir: Path, capture_ids: Iterable[int], out: BinaryIO) -> WarcExport:
        """Copy these captures' records (and what they need) into one WARC on ``out``."""
        return export_warc(self._session, warc_dir, capture_ids, out)

    def write_wacz(self, warc_dir: Path, articles: Iterable[Article], out: BinaryIO, *,
                   title: str = "news-archiver export") -> WaczExport:
        """Write a WACZ of these articles' captures to ``out`` (a seekable binary file)."""
        return export_wacz(self._session, warc_dir, articles, out, title=title)
