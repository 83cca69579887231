"""Schema upgrades and copying a whole catalogue from one database into another.

:func:`upgrade_database` applies pending Alembic migrations and says which revision the
database was at before and after. :func:`copy_catalogue` copies every table of a catalogue
(typically a SQLite file) into another database (typically PostgreSQL), table by table in
parents-first order, in batches of rows ordered by id, keeping the ids; on PostgreSQL the id
sequences are then moved past the highest copied id so new rows do not collide. The target
must be empty unless ``force`` is given (then its rows are deleted first, in one transaction
with the copy). PostgreSQL's search index is an index expression over the articles' columns,
so it follows the copied rows without a separate step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from storage.catalogue.database import _alembic_config, make_engine, upgrade
from storage.catalogue.models import Base
from storage.errors import CatalogueError

__all__ = ["CopyReport", "UpgradeReport", "copy_catalogue", "current_revision", "head_revision", "upgrade_database"]

log = logging.getLogger(__name__)

#: ``(table, rows copied so far, rows in that table)`` after every batch.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class UpgradeReport:
    """The revision a database was at before and after :func:`upgrade_database`."""

    before: str | None
    after: str | None
    head: str | None

    @property
    def changed(self) -> bool:
        """Whether migrations were applied."""
        return self.before != self.after


@dataclass
class CopyReport:
    """Rows copied per table, in copy order."""

    source: str
    target: str
    tables: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All rows copied."""
        return sum(self.tables.values())


def head_revision() -> str | None:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision ``engine``'s database is at (None when it was never migrated)."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise CatalogueError(f"cannot open the catalogue: {exc.orig}") from exc


def upgrade_database(url: str) -> UpgradeReport:
    """Apply pending migrations to the database at ``url``."""
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        return UpgradeReport(before=before, after=current_revision(engine), head=head_revision())
    finally:
        engine.dispose()


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _row_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
    }


def _reset_sequences(connection: Connection) -> None:
    """Move each PostgreSQL id sequence past the table's highest id."""
    for table in Base.metadata.sorted_tables:
        connection.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
            ),
            {"table": table.name},
        )


def copy_catalogue(
    source_url: str,
    target_url: str,
    *,
    force: bool = False,
    batch_size: int = 1000,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy every catalogue table from ``source_url`` into ``target_url``, keeping ids.

    Both databases are migrated to the newest revision first (as opening a catalogue does).
    Raises :class:`CatalogueError` when the target already holds rows and ``force`` is false,
    or when source and target are the same database.
    """
    if batch_size < 1:
        raise CatalogueError("batch size must be at least 1")
    if _safe(source_url) == _safe(target_url):
        raise CatalogueError("the source and the target are the same database")
    source = make_engine(source_url)
    target = make_engine(target_url)
    report = CopyReport(source=_safe(source_url), target=_safe(target_url))
    try:
        upgrade(source)
        upgrade(target)
        with source.connect() as reader, target.begin() as writer:
            totals = _row_counts(reader)
            existing = _row_counts(writer)
            if any(existing.values()) and not force:
                held = ", ".join(f"{name} {count}" for name, count in existing.items() if count)
                raise CatalogueError(f"the target catalogue is not empty ({held}); use --force to replace it")
            for table in reversed(Base.metadata.sorted_tables):
                writer.execute(table.delete())
            for table in Base.metadata.sorted_tables:
                copied = 0
                last_id: int | None = None
                if progress:
                    progress(table.name, 0, totals[table.name])
                while True:
                    query = select(table).order_by(table.c.id).limit(batch_size)
                    if last_id is not None:
                        query = query.where(table.c.id > last_id)
                    rows = [dict(row._mapping) for row in reader.execute(query)]
                    if not rows:
                        break
                    writer.execute(table.insert(), rows)
                    copied += len(rows)
                    last_id = rows[-1]["id"]
                    if progress:
                        progress(table.name, copied, totals[table.name])
                report.tables[table.name] = copied
                log.info("copied %d rows of %s", copied, table.name)
            if writer.dialect.name == "postgresql":
                _reset_sequences(writer)
    except SQLAlchemyError as exc:
        raise CatalogueError(f"copy failed: {getattr(exc, 'orig', None) or exc}") from exc
    finally:
        source.dispose()
        target.dispose()
    return report
