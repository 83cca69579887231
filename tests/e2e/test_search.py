"""Search through the installed command, and on PostgreSQL (a server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from support.catalogue_samples import (
    changing_page,
    newsroom,
)
from support.cli import run_archiver
from support.search_samples import migrated_to, search_catalogue
from support.services import BACKENDS

from storage import Archive, SearchQueryError, StorageConfig
from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.catalogue.search_model import SearchFilters, split_marks


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """A catalogue with the seed article, four others, a page captured three times and a 404 page.

    Built once on SQLite and once on PostgreSQL: every test using it runs on both.
    """
    yield from search_catalogue(request.param, tmp_path_factory)


def test_malformed_query_from_the_installed_command(built) -> None:
    home, _ids = built
    result = run_archiver(home, "--home", str(home), "search", "Armenia AND", timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == ("error: bad search query 'Armenia AND': AND needs a search term on each side "
                                     '(write "and" in quotes to search for the word)')


def test_search_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The same query module on PostgreSQL: tsquery over the GIN-indexed tsvector, filters, latest versions."""
    config = StorageConfig.from_env({"ARCHIVER_DATABASE_URL": postgres_url}, home=tmp_path / "archive",
                                    fsync_interval=0.0)
    with Archive(config) as archive:
        ids = {name: capture.id for name, capture in newsroom(archive).items()}
        v1, v2, v3 = changing_page(archive)
        with archive.db.session() as session:
            def found(**fields: object) -> list[int]:
                return [hit.capture.id for hit in
                        queries.search_articles(session, SearchFilters(**fields), limit=None)]  # type: ignore[arg-type]

            hits = queries.search_articles(session, SearchFilters(query="Armenia CSTO"))
            assert [hit.capture.id for hit in hits] == [ids["seed"], ids["both"]]
            assert hits[0].score < hits[1].score < 0
            plain, spans = split_marks(hits[0].snippet)
            assert {plain[a:b].lower() for a, b in spans} == {"armenia", "csto"}, hits[0].snippet
            assert found(query='"Collective Security Treaty Organisation"') == [ids["seed"]]
            assert found(query='"Organisation Collective Security"') == []
            assert set(found(query="Armen*")) == {ids["seed"], ids["wine"], ids["both"], ids["french"]}
            assert set(found(query="wine OR Minsk")) == {ids["wine"], ids["csto"]}
            assert set(found(query="Armenia -CSTO")) == {ids["wine"]}
            assert found(query="title:CSTO") == [ids["csto"]]
            assert found(author="AFP") == [ids["csto"], ids["french"], ids["seed"]]
            assert found(author="AFP", language="en", site="themoscowtimes.com") == [ids["csto"], ids["seed"]]
            assert found(site="example.org") == [v3.id, ids["wine"]]
            assert found(query="minister resigned") == [v3.id]
            assert sorted(found(query="minister resigned", all_versions=True)) == [v1.id, v2.id, v3.id]
            assert [h.capture.id for h in queries.search_articles(session, SearchFilters(), limit=2, offset=1)] == \
                found()[1:3]
            with pytest.raises(SearchQueryError):
                found(query="armenia AND")
            # The vector is a stored column that follows the text: an edited article is found by its new words.
            wine = queries.article_for_capture(session, ids["wine"])
            assert found(query="Winemakers") == [ids["wine"]]
            wine.text = "Vineyards near Yerevan export apricot brandy."
            session.flush()
            assert found(query="apricot") == [ids["wine"]]
            assert found(query="Winemakers") == []
            # With sequential scans off, matching goes through the GIN index on that column.
            session.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(session.scalars(text(
                "EXPLAIN SELECT id FROM articles WHERE search_vector @@ to_tsquery('simple', 'armenia')")))
            assert "ix_articles_search" in plan, plan


def test_postgresql_catalogue_of_0006_keeps_its_search_after_the_upgrade(postgres_url: str) -> None:
    """Migration 0007 moves the vector into a stored column: articles written before it are found after it."""
    from sqlalchemy.orm import Session

    from storage.catalogue.models import Article, Capture

    engine = migrated_to(postgres_url, "0006_pg_search_accents")
    with Session(engine) as session, session.begin():
        capture = Capture(url="https://news.example/arm", requested_url="https://news.example/arm", method="GET",
                          status=200, fetched_at=datetime(2026, 11, 1, tzinfo=UTC))
        session.add(capture)
        session.flush()
        session.add(Article(capture_id=capture.id, title="Arménie : le vin", authors=["AFP"], author="AFP",
                            text="Les viticulteurs d'Arménie exportent.", tags=[], field_sources={}))
    engine.dispose()
    db = Database(postgres_url)  # upgrades to the newest revision
    try:
        with db.session() as session:
            assert session.scalar(text("SELECT version_num FROM alembic_version")) >= "0007_pg_search_vector_column"
            hits = queries.search_articles(session, SearchFilters(query="armenie viticulteurs"))
            assert [hit.article.title for hit in hits] == ["Arménie : le vin"]
            assert hits[0].score is not None and hits[0].score < 0
    finally:
        db.close()
