"""Opening the catalogue database: engine, connection settings, migrations, sessions.

SQLite (the default) gets WAL mode, foreign keys and a busy timeout on every connection.
Pending Alembic migrations are applied when the catalogue is opened.

Read-only archives: a catalogue opened for reading (``read_only=True``) whose SQLite file or
directory cannot be written (a read-only disk or mount, a copy without write permission) is
opened with ``mode=ro&immutable=1``: SQLite then needs no ``-wal`` or ``-shm`` file beside it,
takes no locks and migrates nothing. A catalogue opened for reading is never created where no
directory is (a mistyped ``--home`` or URL is a :class:`MissingArchive`); in an existing,
writable directory an empty catalogue is made, as for any command. Opened for writing, a
catalogue that cannot be written is a :class:`ReadOnlyArchive`, said before anything is tried.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import CatalogueError, DiskFullError, MissingArchive, ReadOnlyArchive

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["Database", "is_writable", "make_engine", "sqlite_path", "upgrade"]

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite catalogue URL (None for another database, or SQLite in memory)."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise CatalogueError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def is_writable(path: Path) -> bool:
    """Whether this process may write ``path`` (a file, or the directory a file would be made in)."""
    return os.access(path, os.W_OK)


def _unwritable(path: Path) -> Path | None:
    """What stops this process from writing the SQLite catalogue ``path`` (None: nothing).

    In WAL mode SQLite writes the file and, beside it, its -wal and -shm files; for a file not
    there yet, the nearest existing directory above it must be writable.
    """
    if path.exists():
        return next((p for p in (path, path.parent) if not is_writable(p)), None)
    directory = path.parent
    while not directory.exists() and directory != directory.parent:
        directory = directory.parent
    return None if is_writable(directory) else directory


def make_engine(url: str, *, immutable: bool = False) -> Engine:
    """An engine for ``url``; for a SQLite file, its directory is created and WAL turned on.

    ``immutable``: a SQLite file opened read-only and immutable (nothing created, nothing locked).
    """
    path = sqlite_path(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        try:
            return create_engine(url, pool_pre_ping=True)
        except (ArgumentError, ImportError) as exc:
            raise CatalogueError(f"cannot use database {parsed.render_as_string(hide_password=True)}: {exc}") from exc
    if immutable and path is not None:
        engine = create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&immutable=1&uri=true")

        @event.listens_for(engine, "connect")
        def _read_only_pragmas(dbapi_connection: object, _record: object) -> None:
            dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[attr-defined]

        return engine
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
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


_REVISION = re.compile(r"""^revision(?:\s*:[^=]*)?\s*=\s*['"]([^'"]+)['"]\s*$""", re.M)
_DOWN_REVISION = re.compile(r"""^down_revision(?:\s*:[^=]*)?\s*=\s*(?:None|['"]([^'"]+)['"])\s*$""", re.M)


def _scripts_head() -> str | None:
    """The newest migration's revision, read from the scripts' ``revision = ...`` lines; None when unsure.

    Importing Alembic and loading its script directory costs about 0.15 s of every command;
    when the catalogue is already at this head (nearly always) nothing needs Alembic. A script
    this does not read plainly (a merge, a computed revision) gives None: Alembic decides.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        revision, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
        if len(revision) != 1 or len(down) != 1:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The revision the catalogue records (Alembic's ``alembic_version`` table); None without one."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _up_to_date(engine: Engine) -> bool:
    """Whether the catalogue is at the scripts' head, known without importing Alembic (False when unsure)."""
    head = _scripts_head()
    return head is not None and _stored_revision(engine) == head


def _check_revision(engine: Engine, path: Path) -> None:
    """A read-only catalogue cannot be migrated: it must be at the newest revision already."""
    try:
        if _up_to_date(engine):
            return
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise CatalogueError(f"cannot open the catalogue {path}: {exc.orig}") from exc
    if current != head:
        raise ReadOnlyArchive(f"the catalogue {path} is read-only and at revision {current or 'none'}, not {head}: "
                              "upgrade a writable copy with `archiver db upgrade`")


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine) -> list[str]:
    """Apply pending migrations; return the revisions applied (empty when up to date)."""
    try:
        if _up_to_date(engine):
            return []
    except OperationalError as exc:
        raise CatalogueError(f"cannot open the catalogue: {exc.orig}") from exc
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

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
    """An opened, migrated catalogue database and its session factory.

    ``read_only``: the caller only reads. A missing SQLite file is then an error (nothing is
    created), and one that cannot be written is opened immutable (:attr:`immutable`).
    """

    def __init__(self, url: str, *, migrate: bool = True, read_only: bool = False) -> None:
        self.url = url
        path = sqlite_path(url)
        #: Opened read-only and immutable: nothing may be written through this database.
        self.immutable = False
        if path is not None:
            if read_only and not path.parent.is_dir():
                raise MissingArchive(f"no archive here: {path.parent} does not exist (check ARCHIVER_HOME, --home "
                                     "or ARCHIVER_DATABASE_URL; archiving something creates it)")
            blocker = _unwritable(path)
            if read_only and blocker is not None and not path.is_file():
                raise MissingArchive(f"no archive here: {path} does not exist, and {blocker} is not writable")
            if blocker is not None:
                if not read_only and not path.exists():
                    raise ReadOnlyArchive(f"cannot create the archive's catalogue {path}: {blocker} is not writable")
                if not read_only:
                    raise ReadOnlyArchive(f"the archive is read-only: cannot write {blocker}; commands that only "
                                          "read (search, show, get, export, ...) still work")
                self.immutable = True
        self.engine = make_engine(url, immutable=self.immutable)
        if self.immutable and path is not None:
            _check_revision(self.engine, path)
        elif migrate:
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
