"""Opening the catalogue database: engine, connection settings, migrations, sessions.

SQLite (the default) gets WAL mode, foreign keys and a busy timeout on every connection.
Pending Alembic migrations are applied when the catalogue is opened.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import CatalogueError, DiskFullError

__all__ = ["Database", "make_engine", "upgrade"]

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for a SQLite file, its directory is created and WAL turned on."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogueError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise CatalogueError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from exc
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> list[str]:
    """Apply pending migrations; return the revisions applied (empty when up to date)."""
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with engine.begin() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            if current == head:
                return []
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise CatalogueError(f"cannot open the catalogue: {exc.orig}") from exc
    log.info("catalogue migrated from %s to %s", current or "empty", head)
    return [head] if head else []


_SQLITE_FULL = 13  # "database or disk is full"
_PG_DISK_FULL = "53100"


def _disk_full(exc: SQLAlchemyError) -> bool:
    """Whether the database refused a write for lack of space (SQLite's SQLITE_FULL, PostgreSQL's disk_full)."""
    orig = getattr(exc, "orig", None)
    return (getattr(orig, "sqlite_errorcode", None) == _SQLITE_FULL
            or getattr(orig, "sqlstate", None) == _PG_DISK_FULL)


class Database:
    """An opened, migrated catalogue database and its session factory."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        #: The first write refused for lack of space, if one was.
        self.disk_full: DiskFullError | None = None

    @property
    def dialect(self) -> str:
        """``sqlite``, ``postgresql``, ..."""
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            if _disk_full(exc):
                full = DiskFullError(self._where(), what="write the catalogue")
                self.disk_full = self.disk_full or full
                raise full from exc
            raise CatalogueError(f"catalogue error: {exc}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _where(self) -> str:
        """The catalogue's file (SQLite) or its URL without the password."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database:
            return url.database
        return url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()
