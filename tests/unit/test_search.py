"""``archiver search`` and the query module behind it, over a catalogue built without a crawl."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from support.catalogue_samples import (
    SEED_TITLE,
    SEED_URL,
    add_article,
    config_for,
    when,
)
from support.cli import run_cli
from support.search_samples import migrated_to, search_catalogue
from support.services import BACKENDS

from storage import Archive, SearchQueryError, StorageConfig
from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.catalogue.fts_query import to_fts5
from storage.catalogue.hosts import host_key
from storage.catalogue.search_model import SearchFilters, Sort

HIT_FIELDS = {"capture_id", "url", "title", "author", "authors", "published", "sitename", "language", "snippet",
              "score"}


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int]]]:
    """A catalogue with the seed article, four others, a page captured three times and a 404 page.

    Built once on SQLite and once on PostgreSQL: every test using it runs on both.
    """
    yield from search_catalogue(request.param, tmp_path_factory)


def search(home: Path, *args: str) -> list[dict]:
    code, out, err = run_cli(home, "search", *args, "--json")
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def ids_of(hits: list[dict]) -> list[int]:
    return [hit["capture_id"] for hit in hits]


def test_seed_article_is_the_top_hit_for_armenia_csto(built) -> None:
    home, ids = built
    hits = search(home, "Armenia CSTO")
    assert hits[0]["capture_id"] == ids["seed"]
    assert hits[0]["title"] == SEED_TITLE and hits[0]["url"] == SEED_URL
    # Every word must match: the wine story (Armenia only) and the summit story (CSTO only) are not hits.
    assert set(ids_of(hits)) == {ids["seed"], ids["both"]}
    scores = [hit["score"] for hit in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1] > 0


def test_json_hits_carry_the_article_fields_and_a_marked_snippet(built) -> None:
    home, ids = built
    seed = search(home, "Armenia CSTO")[0]
    assert set(seed) >= HIT_FIELDS
    assert seed["author"] == "AFP" and seed["authors"] == ["AFP"]
    assert seed["published"] == "2023-04-16T12:05:00+03:00"
    assert seed["sitename"] == "The Moscow Times" and seed["language"] == "en"
    marked = {seed["snippet"][start:end].lower() for start, end in seed["highlights"]}
    assert marked == {"armenia", "csto"}
    assert "Collective Security Treaty Organisation (CSTO)" in seed["snippet"]


def test_author_filter_without_query_lists_only_that_authors_articles(built) -> None:
    home, ids = built
    hits = search(home, "--author", "AFP")
    assert ids_of(hits) == [ids["csto"], ids["french"], ids["seed"]]  # newest published first
    assert all("AFP" in hit["authors"] for hit in hits)
    assert all(hit["score"] is None for hit in hits)


@pytest.mark.parametrize(("args", "expected"), [
    (["--author", "AFP", "--lang", "en"], ["csto", "seed"]),
    (["--author", "AFP", "--site", "themoscowtimes.com"], ["csto", "seed"]),
    (["--site", "https://www.lemonde.example.fr/"], ["french"]),
    (["--site", "example.org"], ["v3", "wine"]),
    (["--since", "2023-05", "--until", "2023-05"], ["csto", "wine"]),
    (["--since", "2023-04-17", "--until", "2023-04-30"], ["french"]),
    (["Armenia", "--lang", "de"], ["both"]),
    (["Armenia", "--status", "404"], ["gone"]),
    (["--author", "AFP", "--until", "2023-04-30", "--lang", "fr"], ["french"]),
    (["--lang", "en", "--limit", "2", "--offset", "1"], ["v3", "csto"]),
])
def test_filters_combine(built, args: list[str], expected: list[str]) -> None:
    home, ids = built
    assert ids_of(search(home, *args)) == [ids[name] for name in expected]


def test_sort_by_date_orders_matches_newest_first(built) -> None:
    home, ids = built
    by_relevance = ids_of(search(home, "Armenia"))
    by_date = ids_of(search(home, "Armenia", "--sort", "date"))
    assert set(by_relevance) == set(by_date)
    assert by_date == [ids["gone"], ids["wine"], ids["seed"], ids["both"]]
    assert by_relevance != by_date


def test_phrase_query(built) -> None:
    home, ids = built
    assert ids_of(search(home, '"Collective Security Treaty Organisation"')) == [ids["seed"]]
    assert search(home, '"Organisation Collective Security"') == []


@pytest.mark.parametrize(("query", "expected"), [
    ("Armen*", {"seed", "wine", "both", "french", "gone"}),  # "Arménie" too: diacritics are folded
    ("wine OR Minsk", {"wine", "csto"}),
    ("Armenia NOT CSTO", {"wine", "gone"}),
    ("Armenia -CSTO", {"wine", "gone"}),
    ("(wine OR Minsk) Armenia", {"wine"}),
    ("title:CSTO", {"csto"}),
    ("NEAR(Leaders Minsk, 5)", {"csto"}),
    ("Russia's invasion", {"seed"}),
])
def test_prefix_and_boolean_queries(built, query: str, expected: set[str]) -> None:
    home, ids = built
    assert set(ids_of(search(home, query))) == {ids[name] for name in expected}


def test_each_page_once_unless_all_versions(built) -> None:
    home, ids = built
    assert ids_of(search(home, "minister resigned")) == [ids["v3"]]
    assert set(ids_of(search(home, "minister resigned", "--all-versions"))) == {ids["v1"], ids["v2"], ids["v3"]}
    # A page shows as its latest capture that matches: words only the old version had find it.
    assert ids_of(search(home, "Protesters gathered")) == [ids["v3"]]
    assert ids_of(search(home, '"Monday. Protesters"')) == [ids["v2"]]


@pytest.mark.parametrize("query", ['"unbalanced', 'armenia "csto', "AND", "OR", "NOT", "armenia AND", "OR armenia",
                                   "armenia AND OR csto", "-armenia", "*", "()", "(armenia", "armenia)", "title:",
                                   "NEAR(armenia csto, x)", "{title", "{nope}: x"])
def test_malformed_query_exits_2_with_one_line(built, query: str) -> None:
    home, _ids = built
    code, out, err = run_cli(home, "search", "--", query)
    assert code == 2, (out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: bad search query"), err


def test_human_output_shows_title_url_and_snippet(built) -> None:
    home, _ids = built
    code, out, err = run_cli(home, "search", "Armenia CSTO", "--limit", "1")
    assert code == 0
    assert out.startswith(f"1. {SEED_TITLE}")
    assert SEED_URL in out and "AFP · The Moscow Times · 2023-04-16 · en" in out
    assert "more may match: --offset 1" in err
    code, out, err = run_cli(home, "search", "zanzibar")
    assert code == 0 and out == "" and "no articles match" in err


# ------------------------------------------------------------- the query module itself
def test_query_module_search(built) -> None:
    home, ids = built
    with Archive(config_for(home)) as archive, archive.db.session() as session:
        hits = queries.search_articles(session, SearchFilters(query="Armenia CSTO"))
        assert [hit.capture.id for hit in hits] == [ids["seed"], ids["both"]]
        assert hits[0].article.title == SEED_TITLE and hits[0].score < hits[1].score  # bm25: lower is better
        dated = queries.search_articles(session, SearchFilters(author="AFP", sort=Sort.date), limit=2, offset=1)
        assert [hit.capture.id for hit in dated] == [ids["french"], ids["seed"]]
        assert queries.search_ids(session, SearchFilters(site="news.example.org")) == [
            (hit.article.id, hit.capture.id) for hit in
            queries.search_articles(session, SearchFilters(site="news.example.org"), limit=None)]
        with pytest.raises(SearchQueryError):
            queries.search_articles(session, SearchFilters(query="armenia OR"))


def test_paging_over_many_versions_matches_the_full_result(tmp_path: Path) -> None:
    """Pages with several captures each: every page of results equals the slice of the whole list."""
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        for page in range(12):
            for version in range(3):
                add_article(archive, f"https://paging.example/{page}", title=f"Story {page}",
                            text=f"Harbour story {page}, version {version}. " + "Harbour ships. " * page,
                            published=f"2024-01-{page + 1:02d}", fetched_at=when(1 + version, page))
        with archive.db.session() as session:
            for filters in (SearchFilters(query="harbour"), SearchFilters(query="harbour", sort=Sort.date),
                            SearchFilters(site="paging.example")):
                everything = queries.search_articles(session, filters, limit=None)
                assert len(everything) == 12
                assert all(hit.capture.fetched_at == when(3, int(hit.article.title.split()[1]))
                           for hit in everything)  # the latest version of each page
                pages = [queries.search_articles(session, filters, limit=5, offset=offset) for offset in (0, 5, 10)]
                assert [hit.capture.id for page in pages for hit in page] == [hit.capture.id for hit in everything]


@pytest.mark.parametrize(("query", "expression"), [
    ("Armenia CSTO", '("Armenia" AND "CSTO")'),
    ("armenia (csto OR alliance)", '("armenia" AND ("csto" OR "alliance"))'),
    ("a -b c", '(("a" NOT "b") AND "c")'),
    ("COVID-19 U.S.", '("COVID-19" AND "U.S.")'),
    ('"exact phrase"*', '"exact phrase"*'),
    ("title:armenia OR {author text}: afp", '(title : "armenia" OR {author text} : "afp")'),
    ("NEAR(a b,5)", 'NEAR("a" "b", 5)'),
    ("^start and", '(^"start" AND "and")'),
    ("   ", ""),
])
def test_fts5_translation(query: str, expression: str) -> None:
    assert to_fts5(query) == expression


# ------------------------------------------------------------------ site filter by host key
@pytest.mark.parametrize(("url", "key"), [
    ("https://www.Example.org:8443/news", "org.example.www"),
    ("http://127.0.0.1:8080/", "1.0.0.127"),
    ("https://example.org./x", "org.example"),
    ("not a url", None),
])
def test_host_key(url: str, key: str | None) -> None:
    assert host_key(url) == key


def test_site_filter_matches_host_and_subdomains_only(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    urls = {"apex": "https://example.org/a", "sub": "https://news.example.org/b", "port": "http://example.org:8080/c",
            "lookalike": "https://badexample.org/d", "suffix": "https://example.org.evil.net/e",
            "dash": "https://example.org-mirror.net/f", "path": "https://other.net/example.org/g"}
    with Archive(config) as archive:
        ids = {name: add_article(archive, url, title=name, text=f"Story {name}.", fetched_at=when(1)).id
               for name, url in urls.items()}
        with archive.db.session() as session:
            def found(site: str) -> set[str]:
                hits = queries.search_articles(session, SearchFilters(site=site), limit=None)
                return {name for name, capture_id in ids.items() if capture_id in {h.capture.id for h in hits}}

            assert found("example.org") == {"apex", "sub", "port"}
            assert found("EXAMPLE.org") == {"apex", "sub", "port"}
            assert found("news.example.org") == {"sub"}
            assert found("example.org:8080") == {"port"}
            assert found("org") == {"apex", "sub", "port", "lookalike"}
            assert found("nowhere.example") == set()


def test_migration_fills_host_key_of_existing_captures(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = migrated_to(url, "0002_schedules")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO captures (id, url, requested_url, method, fetched_at) VALUES "
            "(1, 'https://www.example.org/x', 'https://www.example.org/x', 'GET', '2026-11-01 00:00:00'), "
            "(2, 'http://127.0.0.1:9/y', 'http://127.0.0.1:9/y', 'GET', '2026-11-01 00:00:00')"))
    engine.dispose()
    db = Database(url)
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT id, host_key FROM captures ORDER BY id")).all() == [
            (1, "org.example.www"), (2, "1.0.0.127")]
    db.close()


def test_stored_search_vector_folds_accents_as_queries_do() -> None:
    """The migration's frozen accent table is the one queries fold with, or 'Arménie' would miss 'armenie'."""
    import importlib

    from storage.catalogue import accents

    migration = importlib.import_module("storage.migrations.versions.0007_pg_search_vector_column")
    assert (migration._ACCENTED, migration._PLAIN) == (accents.ACCENTED, accents.PLAIN)


