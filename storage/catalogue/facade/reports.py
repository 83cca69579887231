"""The catalogue facade, whole-catalogue work: statistics, extraction health, verification, export.

Verification and export stream over the whole catalogue, so they hold one read transaction for
as long as the caller works: :meth:`ReportFacade.verification` and :meth:`ReportFacade.read_transaction`
are context managers that yield an object bound to it (exports: :meth:`storage.Archive.export_selection`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.extraction import SiteHealth, extraction_health
from storage.catalogue.facade.base import FacadeBase

if TYPE_CHECKING:
    from storage.stats import ArchiveStats
    from storage.verify import Problem

__all__ = ["ReportFacade", "Verification"]


class Verification:
    """A check of catalogue against WARC files, in one read transaction (see :mod:`storage.verify`)."""

    def __init__(self, session: Session, warc_dir: Path, *, deep: bool) -> None:
        self._session = session
        self._warc_dir = warc_dir
        self._deep = deep
        #: How many captures :meth:`catalogue` goes over.
        self.total = queries.count_captures(session)

    def catalogue(self) -> Iterator[tuple[int, list[Problem]]]:
        """``(capture id, problems)`` for every capture with a WARC location."""
        from storage.verify import verify_catalogue

        return verify_catalogue(self._session, self._warc_dir)

    def files(self) -> Iterator[tuple[str, list[Problem]]]:
        """``(file name, problems)`` for every WARC file (records the catalogue does not know, digests)."""
        from storage.verify import verify_files

        return verify_files(self._session, self._warc_dir, deep=self._deep)


class ReportFacade(FacadeBase):
    """Reads over the whole catalogue."""

    def stats(self, warc_dir: Path) -> ArchiveStats:
        """Totals, per-host, per-language and per-month counts, and WARC storage use."""
        from storage.stats import archive_stats

        with self._session() as session:
            return archive_stats(session, warc_dir)

    def extraction_health(self, *, host: str | None = None) -> list[SiteHealth]:
        """Per-site extraction health over 2xx HTML captures, most captures first."""
        with self._session() as session:
            return extraction_health(session, host=host)

    @contextmanager
    def verification(self, warc_dir: Path, *, deep: bool = False) -> Iterator[Verification]:
        """A :class:`Verification` of the catalogue against the WARC files in ``warc_dir``."""
        with self._session() as session:
            yield Verification(session, warc_dir, deep=deep)

    @contextmanager
    def read_transaction(self) -> Iterator[Session]:
        """One read transaction for storage's own streaming work (:meth:`storage.Archive.export_selection`)."""
        with self._session() as session:
            yield session
