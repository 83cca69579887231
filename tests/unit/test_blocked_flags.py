"""Blocked captures in the archive: the ``urn:flags:`` record, reindex, reextract and ``stats --extraction``.

Pages are archived straight through :class:`storage.Archive` (no crawl); every test reads back
what was written (the WARC record, the catalogue row).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from support.catalogue_samples import page
from support.cli import run_cli
from support.services import BACKENDS
from support.web import asgi_client

from archiver.extraction import blocking
from archiver.services.blocked import blocked_reason
from archiver.services.reindex import reindex
from archiver.web import WebConfig
from storage import Archive, StorageConfig
from storage import flags as storage_flags
from storage.catalogue import queries
from storage.catalogue.models import Capture
from storage.flags import is_flags_record, record_capture_flags
from storage.warc import HttpResponse, iter_records

FIXTURES = Path(__file__).parents[1] / "support" / "fixtures" / "blocked"
WALL_URL = "https://www.harbourtimes.example/2024/05/06/pier-closed"
ARTICLE_URL = "https://www.harbourtimes.example/2024/05/06/ferry"
ARTICLE = ("<html><head><title>Ferry returns</title></head><body><article><h1>Ferry returns</h1>"
           + "<p>The island ferry returned to service on Monday after a week of repairs to its engines.</p>" * 8
           + "</article></body></html>")


@pytest.fixture(params=BACKENDS)
def config(request: pytest.FixtureRequest, tmp_path: Path) -> StorageConfig:
    env = {} if request.param == "sqlite" else {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    return StorageConfig.from_env(env, home=tmp_path / "archive", fsync_interval=0.0)


def archive_html(archive: Archive, url: str, html: str, status: int = 200) -> Capture:
    request, response = page(url, html)
    return archive.record_exchange(url, request, HttpResponse(status, response.headers, response.body))


def wall(archive: Archive, url: str = WALL_URL, status: int = 403) -> Capture:
    """A Cloudflare-like challenge page, archived and flagged as the pipeline does."""
    capture = archive_html(archive, url, (FIXTURES / "cloudflare_challenge.html").read_text(), status)
    record_capture_flags(archive, capture, ["blocked"], "Cloudflare challenge")
    return capture


def test_the_flag_names_agree() -> None:
    assert blocking.BLOCKED == storage_flags.BLOCKED == "blocked"


def test_record_capture_flags_writes_the_record_then_the_flag(config: StorageConfig) -> None:
    with Archive(config) as archive:
        capture = wall(archive)
        assert capture.flags == ["blocked"]
        assert archive.catalogue.get_capture(capture.id).flags == ["blocked"]
        assert record_capture_flags(archive, capture, ["blocked", "decoded-limit"], None) == ["blocked",
                                                                                             "decoded-limit"]
        assert blocked_reason(archive, archive.catalogue.get_capture(capture.id)) == "Cloudflare challenge"
    records = [r for path in sorted((config.home / "warcs").glob("*.warc.gz")) for r in iter_records(path)]
    flagged = [r for r in records if is_flags_record(r)]
    assert len(flagged) == 2
    first = flagged[0]
    assert first.target_uri == f"urn:flags:{WALL_URL}" and first.header("WARC-Refers-To") == capture.record_id
    assert first.header("Content-Type") == "application/json"
    assert json.loads(first.payload) == {"page": WALL_URL, "page_record_id": capture.record_id,
                                         "flags": ["blocked"], "reason": "Cloudflare challenge"}


def test_reindex_from_scratch_restores_the_flag_and_makes_no_article(config: StorageConfig) -> None:
    with Archive(config) as archive:
        blocked_200 = wall(archive, WALL_URL + "/ok", status=200)  # a 2xx wall: reindex would extract it
        wall(archive)
        good = archive_html(archive, ARTICLE_URL, ARTICLE)
    with Archive(config) as archive:
        result = reindex(archive, from_scratch=True)
        assert result.flags_restored == 2
        with archive.db.session() as session:
            rebuilt = queries.latest_capture(session, WALL_URL + "/ok")
            assert rebuilt is not None and rebuilt.record_id == blocked_200.record_id
            assert rebuilt.flags == ["blocked"] and rebuilt.article is None
            assert queries.latest_capture(session, WALL_URL).flags == ["blocked"]
            article = queries.latest_capture(session, ARTICLE_URL)
            assert article.record_id == good.record_id and article.flags is None
            assert article.article is not None and article.article.title == "Ferry returns"
        again = reindex(archive)
        assert again.flags_restored == 0 and again.articles_added == 0
    code, out, _ = run_cli(config.home, "reextract", "--all", "--json",
                           env={"ARCHIVER_DATABASE_URL": config.database_url})
    assert code == 0, out
    with Archive(config) as archive, archive.db.session() as session:
        assert queries.latest_capture(session, WALL_URL + "/ok").article is None


def test_stats_extraction_counts_blocked_pages_per_site(config: StorageConfig) -> None:
    with Archive(config) as archive:
        wall(archive, status=200)
        wall(archive, WALL_URL + "/2", status=403)
        archive_html(archive, ARTICLE_URL, ARTICLE)
        wall(archive, "https://walled.example/story", status=429)  # a site that only answered with walls
    env = {"ARCHIVER_DATABASE_URL": config.database_url}
    code, out, _ = run_cli(config.home, "stats", "--extraction", "--json", env=env)
    assert code == 0, out
    sites = {row["host"]: row for row in json.loads(out)["extraction"]}
    assert sites["www.harbourtimes.example"]["blocked"] == 2
    assert sites["www.harbourtimes.example"]["captures"] == 2  # the 2xx wall and the article
    assert sites["walled.example"]["blocked"] == 1 and sites["walled.example"]["captures"] == 0
    code, out, _ = run_cli(config.home, "stats", "--extraction", "--site", "walled.example", "--json", env=env)
    assert [row["host"] for row in json.loads(out)["extraction"]] == ["walled.example"]
    code, out, _ = run_cli(config.home, "stats", "--extraction", env=env)
    assert code == 0 and "blocked" in out and "3 blocked page(s)" in out


def test_the_capture_page_shows_the_flag(tmp_path: Path) -> None:
    config = StorageConfig.from_env({}, home=tmp_path / "archive", fsync_interval=0.0)
    with Archive(config) as archive:
        blocked = wall(archive, status=200)
        good = archive_html(archive, ARTICLE_URL, ARTICLE)

    async def get(capture_id: int) -> str:
        async with asgi_client(WebConfig(storage=config)) as client:
            return (await client.get(f"/captures/{capture_id}")).text

    page = asyncio.run(get(blocked.id))
    assert '<dt>Flags</dt><dd class="error flags"><span class="flag">blocked</span>' in page
    assert "bot wall or challenge page" in page
    assert "<dt>Flags</dt>" not in asyncio.run(get(good.id))
