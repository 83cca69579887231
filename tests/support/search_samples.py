"""The catalogue the search tests search, and a catalogue stopped at an old migration."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Engine

from storage import Archive
from storage.catalogue.database import MIGRATIONS, make_engine
from support.catalogue_samples import (
    add_article,
    sample_catalogue,
    when,
)


def search_catalogue(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """The seed article, four others, a page captured three times and a 404 page, in a fresh home on
    ``backend``: yields (home, capture ids by name); for module-scoped fixtures."""
    home = tmp_path_factory.mktemp("search") / "archive"

    def gone_page(archive: Archive) -> dict[str, int]:
        return {"gone": add_article(archive, "https://www.themoscowtimes.com/gone", title="Page not found",
                                    text="This story about Armenia is gone.", status=404, fetched_at=when(9)).id}

    with sample_catalogue(home, backend, gone_page) as ids:
        yield home, ids


def migrated_to(url: str, revision: str) -> Engine:
    """An engine on ``url`` with the catalogue migrated up to ``revision`` only."""
    engine = make_engine(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine
