"""The catalogue facade, captures: one capture, the captures of a page or a run, search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from storage.catalogue import listing, queries
from storage.catalogue.capture_flags import not_an_article
from storage.catalogue.extraction import extractable_captures
from storage.catalogue.facade.base import FacadeBase
from storage.catalogue.kept_links import KeptLinks, keep_links, restore_kept_links
from storage.catalogue.models import Capture
from storage.catalogue.nearest import ReplayCapture, resolve_for_replay
from storage.catalogue.runs import captured_urls
from storage.catalogue.search_model import SearchFilters, SearchHit

__all__ = ["CaptureFacade"]


class CaptureFacade(FacadeBase):
    """Reads of captures and their articles (each capture's ``article`` loaded unless said otherwise)."""

    def get_capture(self, capture_id: int) -> Capture | None:
        """The capture with this id, or None."""
        with self._session() as session:
            return queries.get_capture(session, capture_id)

    def latest_capture(self, url: str, *, article_fields: bool = True) -> Capture | None:
        """The latest capture of ``url`` (final or requested URL), or None.

        With ``article_fields`` False only the article's id is loaded: enough to say whether
        there is one (what a crawl asks of every URL it is about to fetch again).
        """
        with self._session() as session:
            return queries.latest_capture(session, url, article_fields=article_fields)

    def nearest_capture(self, url: str, when: datetime) -> ReplayCapture | None:
        """What replays ``url`` at ``when``: its archived capture nearest in time, redirects followed,
        a revisit's payload found (see :mod:`storage.catalogue.nearest`); None if never archived."""
        with self._session() as session:
            return resolve_for_replay(session, url, when)

    def add_capture_flags(self, capture_id: int, flags: Iterable[str]) -> list[str]:
        """Mark the capture with ``flags`` (kept once each, in the order first given); its flags after.

        A flag that says the payload is not the page (``blocked``) also removes an article made
        from it before the flag was known (the browser lane finds walls after static extraction).
        """
        with self._session() as session:
            capture = session.get(Capture, capture_id)
            if capture is None:
                raise LookupError(f"no capture {capture_id}")
            merged = list(capture.flags or [])
            merged.extend(flag for flag in dict.fromkeys(flags) if flag not in merged)
            capture.flags = merged
            if not_an_article(merged):
                queries.drop_article_of(session, capture_id)
            return merged

    def captures_of_page(self, url: str) -> list[Capture]:
        """Every capture of ``url`` (as final or requested URL), oldest first."""
        with self._session() as session:
            return list(queries.captures_of_url(session, url))

    def captures_in_run(self, run_id: int) -> list[Capture]:
        """The captures of one crawl run, in the order they were made."""
        with self._session() as session:
            return list(queries.captures_in_run(session, run_id))

    def captured_urls(self, run_ids: Sequence[int]) -> set[str]:
        """URLs (requested and final) that got an HTTP response in any of these runs."""
        if not run_ids:
            return set()
        with self._session() as session:
            return captured_urls(session, run_ids)

    def extractable_captures(self, *, host: str | None = None, since: datetime | None = None,
                             url: str | None = None) -> list[Capture]:
        """Captures whose archived payload can be extracted again (2xx HTML responses), oldest first."""
        with self._session() as session:
            return list(extractable_captures(session, host=host, since=since, url=url))

    def search(self, filters: SearchFilters, *, limit: int | None = 20, offset: int = 0) -> list[SearchHit]:
        """Articles matching ``filters``, best or newest first, each with its capture and a snippet.

        A query the index cannot parse raises :class:`~storage.errors.SearchQueryError`.
        """
        with self._session() as session:
            return queries.search_articles(session, filters, limit=limit, offset=offset)

    def home_listing(self, *, limit: int | None = 20, offset: int = 0) -> list[SearchHit]:
        """Every page once (latest capture), dated and titled articles first, newest first; then the others.

        The web UI's home page (no query, no filter); see :mod:`storage.catalogue.listing`.
        """
        with self._session() as session:
            return listing.home_listing(session, limit=limit, offset=offset)

    def count_search(self, filters: SearchFilters) -> int:
        """How many results :meth:`search` has in all for ``filters`` (every page of them)."""
        with self._session() as session:
            return queries.count_articles(session, filters)

    def count_captures(self) -> int:
        """How many captures the catalogue holds."""
        with self._session() as session:
            return queries.count_captures(session)

    def clear_captures(self) -> int:
        """Delete every capture and article (runs and schedules stay); return how many captures went."""
        with self._session() as session:
            return queries.clear_captures(session)

    def keep_capture_links(self) -> KeptLinks:
        """Each capture's crawl run and each revisit plan's watermark, by WARC record id (before a rebuild)."""
        with self._session() as session:
            return keep_links(session)

    def restore_capture_links(self, kept: KeptLinks) -> int:
        """Put :meth:`keep_capture_links`' links back on the rebuilt captures; return how many captures moved."""
        with self._session() as session:
            return restore_kept_links(session, kept)
