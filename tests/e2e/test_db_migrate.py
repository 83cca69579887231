"""``archiver db upgrade`` and ``archiver db migrate-from``: a SQLite catalogue copied into PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text
from support.catalogue_samples import changing_page, newsroom
from support.cli import run_archiver, run_cli

from storage import Archive, StorageConfig
from storage.catalogue import queries
from storage.catalogue.database import make_engine
from storage.catalogue.migrate import head_revision
from storage.catalogue.models import Base
from storage.catalogue.search_model import SearchFilters

QUERIES = [
    SearchFilters(query="Armenia CSTO"),
    SearchFilters(query='"Collective Security Treaty Organisation"'),
    SearchFilters(query="wine OR Minsk"),
    SearchFilters(query="armenie"),  # "L'Arménie": accents folded on both
    SearchFilters(author="AFP"),
    SearchFilters(site="example.org"),
    SearchFilters(query="minister resigned", all_versions=True),
    SearchFilters(),
]


def _sqlite_archive(home: Path) -> str:
    config = StorageConfig.from_env({}, home=home, fsync_interval=0.0)
    with Archive(config) as archive:
        newsroom(archive)
        changing_page(archive)
    return config.database_url


def _results(url: str, home: Path) -> list[list[tuple[int, str, str]]]:
    config = StorageConfig.from_env({"ARCHIVER_DATABASE_URL": url}, home=home, fsync_interval=0.0)
    with Archive(config) as archive, archive.db.session() as session:
        return [[(hit.capture.id, hit.capture.url, hit.article.title)
                 for hit in queries.search_articles(session, filters, limit=None)] for filters in QUERIES]


def _rows(url: str) -> dict[str, list[tuple]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(table.select().order_by(table.c.id))]
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_db_upgrade_reports_revisions(tmp_path: Path, postgres_url: str) -> None:
    env = {"ARCHIVER_DATABASE_URL": postgres_url}
    code, out, err = run_cli(tmp_path, "db", "upgrade", "--json", env=env)
    assert code == 0, err
    assert json.loads(out) == {"before": None, "after": head_revision(), "head": head_revision(), "changed": True}
    code, out, err = run_cli(tmp_path, "db", "upgrade", "--json", env=env)
    assert json.loads(out)["changed"] is False and json.loads(out)["before"] == head_revision()
    code, out, _ = run_cli(tmp_path, "db", "upgrade", env=env)
    assert out.strip() == f"already at {head_revision()}"


def test_migrate_from_copies_rows_ids_and_search(tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "archive"
    sqlite_url = _sqlite_archive(home)
    env = {"ARCHIVER_DATABASE_URL": postgres_url}
    code, out, err = run_cli(home, "db", "migrate-from", sqlite_url, "--batch-size", "2", "--json", env=env)
    assert code == 0, err
    report = json.loads(out)
    source_rows = _rows(sqlite_url)
    assert report["tables"] == {name: len(rows) for name, rows in source_rows.items()}
    assert report["tables"]["articles"] == 8 and report["total"] == sum(report["tables"].values())
    # Every row, ids included, is the same on both sides.
    assert _rows(postgres_url) == source_rows
    # Search (PostgreSQL tsvector index vs SQLite FTS5) gives the same hits in the same order
    # (versions of one page tie on rank, so their order is compared as a set).
    on_pg, on_sqlite = _results(postgres_url, home), _results(sqlite_url, home)
    tied = QUERIES.index(SearchFilters(query="minister resigned", all_versions=True))
    assert sorted(on_pg.pop(tied)) == sorted(on_sqlite.pop(tied)) and len(on_sqlite[0]) == 2
    folded = on_pg[QUERIES.index(SearchFilters(query="armenie"))]
    assert [hit[2] for hit in folded] == ["L'Arménie se détourne de Moscou"]
    assert on_pg == on_sqlite
    # Sequences moved past the copied ids: a new capture gets the next id.
    config = StorageConfig.from_env(env, home=home, fsync_interval=0.0)
    with Archive(config) as archive:
        from support.catalogue_samples import add_article
        new = add_article(archive, "https://example.net/new", title="After the move", text="Fresh words here.")
    assert new.id == max(row[0] for row in source_rows["captures"]) + 1
    engine = make_engine(postgres_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM articles")).scalar_one() == 9
    engine.dispose()


def test_migrate_from_refuses_a_non_empty_target_unless_forced(tmp_path: Path, postgres_url: str) -> None:
    home = tmp_path / "archive"
    sqlite_url = _sqlite_archive(home)
    env = {"ARCHIVER_DATABASE_URL": postgres_url}
    first = run_archiver(home, "db", "migrate-from", sqlite_url, env=env)
    assert first.returncode == 0, first.stderr
    assert "copied" in first.stdout and "articles" in first.stderr  # the progress bars name the tables
    again = run_archiver(home, "db", "migrate-from", sqlite_url, env=env)
    assert again.returncode == 1
    assert again.stderr.strip().splitlines()[-1].startswith("error: the target catalogue is not empty")
    assert "Traceback" not in again.stderr
    forced = run_archiver(home, "db", "migrate-from", sqlite_url, "--force", "--json", env=env)
    assert forced.returncode == 0, forced.stderr
    assert _rows(postgres_url) == _rows(sqlite_url)
