"""What every part of the catalogue facade shares: the database and one session per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from storage.catalogue.database import Database

__all__ = ["FacadeBase"]


class FacadeBase:
    """Holds the :class:`Database`; each public method runs in one short transaction of its own.

    Objects returned are detached from their session (``expire_on_commit=False``): their
    columns, and the relationships each method says it loads, can be read afterwards; any other
    relationship cannot.
    """

    def __init__(self, db: Database) -> None:
        self.db = db

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, ..."""
        return self.db.dialect

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self.db.session() as session:
            yield session
