"""Alembic environment for the catalogue.

Run by :func:`storage.catalogue.database.upgrade` with a live connection in
``config.attributes["connection"]``; the ``alembic`` command line works too when
``sqlalchemy.url`` is set. FTS5 tables (and their shadow tables) are not in the models, so
autogenerate is told to leave them alone.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, engine_from_config, pool

from storage.catalogue.models import Base

target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Hide the full-text index tables from autogenerate (it would drop them)."""
    return not (type_ == "table" and name is not None and name.startswith("articles_fts"))


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=include_name,
        render_as_batch=True,  # SQLite can only alter tables by copying them
    )


def run_migrations_online() -> None:
    """Run the migrations on the given connection (or one made from sqlalchemy.url)."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(context.config.get_section(context.config.config_ini_section) or {},
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
