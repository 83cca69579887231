"""``archiver stats``: counts by site, language and month, and the archive's size, against what was built."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from support.catalogue_samples import changing_page, newsroom, when
from support.cli import run_cli
from support.services import BACKENDS

from storage import Archive, StorageConfig
from storage.timefmt import parse_iso_or_none


@pytest.fixture(params=BACKENDS)
def database_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """No setting (the SQLite default), or ARCHIVER_DATABASE_URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return {}
    return {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}


def test_stats_json_matches_the_catalogue_built(tmp_path: Path, database_env: dict[str, str]) -> None:
    home = tmp_path / "archive"
    with Archive(StorageConfig.from_env(database_env, home=home, fsync_interval=0.0)) as archive:
        captures = list(newsroom(archive).values()) + changing_page(archive)
        failed = archive.record_failure("https://news.example.org/timeout", "timed out", fetched_at=when(9))
        with archive.db.session() as session:
            articles = {c.id: session.merge(c).article for c in captures}
            published = [a.published for a in articles.values()]
            languages = [a.language for a in articles.values()]
    code, out, err = run_cli(home, "stats", "--json", env=database_env)
    assert code == 0, err
    report = json.loads(out)

    urls = [c.url for c in captures]
    assert report["totals"] == {"captures": len(captures) + 1, "failed": 1, "revisits": 1,
                                "articles": len(captures), "pages": len(set(urls)), "crawl_runs": 0}
    hosts = Counter(urlsplit(url).hostname for url in [*urls, failed.url])
    articles_by_host = Counter(urlsplit(url).hostname for url in urls)
    pages_by_host = Counter(urlsplit(url).hostname for url in set(urls))
    assert {row["host"]: (row["captures"], row["articles"], row["pages"]) for row in report["sites"]} == {
        host: (count, articles_by_host[host], pages_by_host[host]) for host, count in hosts.items()}
    assert [row["captures"] for row in report["sites"]] == sorted(hosts.values(), reverse=True)

    pages_by_language: dict[str, set[str]] = {}
    for capture in captures:
        pages_by_language.setdefault(articles[capture.id].language, set()).add(capture.url)
    assert {row["language"]: (row["articles"], row["pages"]) for row in report["languages"]} == {
        language: (count, len(pages_by_language[language])) for language, count in Counter(languages).items()}

    captured = Counter(f"{c.fetched_at:%Y-%m}" for c in [*captures, failed])
    published_months = Counter(f"{parse_iso_or_none(p):%Y-%m}" for p in published if p)
    assert report["months"] == [{"month": month, "captured": captured[month], "published": published_months[month]}
                                for month in sorted(set(captured) | set(published_months))]
    assert published_months["2023-04"] == 2  # the seed and the French story, by their UTC instant

    warcs = [p for p in (home / "warcs").iterdir() if p.name.endswith(".warc.gz")]
    assert report["storage"]["warc_files"] == len(warcs) >= 1
    assert report["storage"]["warc_bytes"] == sum(p.stat().st_size for p in warcs)


def test_stats_for_people_and_on_an_empty_archive(tmp_path: Path) -> None:
    home = tmp_path / "archive"
    home.mkdir()  # an empty archive; a directory that is not there is refused (a mistyped --home)
    code, out, _err = run_cli(home, "stats", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["totals"]["captures"] == 0 and report["sites"] == [] and report["storage"]["warc_bytes"] == 0
    with Archive(StorageConfig.from_env({}, home=home, fsync_interval=0.0)) as archive:
        newsroom(archive)
    code, out, _err = run_cli(home, "stats")
    assert code == 0
    assert "www.themoscowtimes.com" in out and "Languages (3)" in out and "2023-04" in out and "WARC size" in out
