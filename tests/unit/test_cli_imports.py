"""The small commands start without the heavy libraries: only what the command uses is imported."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("scrapy", "trafilatura", "playwright", "alembic", "cdxj_indexer", "fastapi")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_the_cli_and_the_search_command_import_no_heavy_library() -> None:
    loaded = _loaded_after("import archiver.cli\nfrom archiver.cli.commands import load_command\n"
                           "load_command('search')")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_search_json_records_do_not_import_the_export_writers() -> None:
    loaded = _loaded_after("from storage.export.records import article_record")
    assert "cdxj_indexer" not in loaded and "storage" in loaded


def test_opening_an_up_to_date_catalogue_does_not_import_alembic(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite:///{tmp_path / 'catalogue.sqlite'}"
    created = _loaded_after(f"from storage.catalogue.database import Database\nDatabase({url!r})")
    assert "alembic" in created  # a new catalogue is migrated by alembic
    reopened = _loaded_after(f"from storage.catalogue.database import Database\nDatabase({url!r})\n"
                             f"Database({url!r}, read_only=True)")
    assert "alembic" not in reopened
