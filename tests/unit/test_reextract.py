"""``archiver extract``, ``archiver reextract`` and ``archiver stats --extraction`` on catalogues built here.

Pages are archived straight through :class:`storage.Archive` (no crawl); the commands run in
process. Every test reads back what was written: WARC records at the catalogued offsets and
catalogue rows.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.catalogue_samples import page
from support.cli import run_cli
from support.services import BACKENDS

from archiver.services.reindex import reindex
from storage import Archive, ArticleData, StorageConfig
from storage.catalogue import queries
from storage.catalogue.models import Article, Capture
from storage.warc import HttpResponse, iter_records, read_record

PARAGRAPHS = [
    "The harbour authority said on Monday that the northern pier would stay closed for at least "
    "another week while divers inspect the foundations damaged in the storm.",
    "Fishermen who depend on the pier told reporters that the closure was costing them most of "
    "their weekly catch, and asked the town council for emergency support.",
    "Engineers from the regional government arrived on Sunday evening and began mapping the "
    "cracks along the seaward wall with underwater cameras and sonar.",
]
TITLE = "Pier stays closed after storm"
URL = "https://www.harbourtimes.example/2024/05/06/pier-closed"
OTHER_URL = "https://news.other.example/2024/05/07/ferry"


def article_html(title: str = TITLE, author: str = "Ann Ek", body: bool = True) -> str:
    """A news page: JSON-LD, OpenGraph, a <title> with the site suffix, and the body."""
    data = {"@type": "NewsArticle", "headline": title, "datePublished": "2024-05-06T07:00:00+02:00",
            "author": {"@type": "Person", "name": author}}
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS) if body else ""
    return (f"<html lang='en'><head><meta charset='utf-8'><title>{title} | Harbour Times</title>"
            f"<meta property='og:site_name' content='Harbour Times'>"
            f"<script type='application/ld+json'>{json.dumps(data)}</script></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>")


def archive_page(archive: Archive, url: str, html: str, *, old: ArticleData | None = None,
                 status: int = 200, content_type: str = "text/html; charset=utf-8") -> Capture:
    """Archive ``html`` at ``url``; catalogue ``old`` as its article (as an older extractor made it)."""
    request, response = page(url, html)
    headers = [(k, content_type if k == "Content-Type" else v) for k, v in response.headers]
    capture = archive.record_exchange(url, request, HttpResponse(status, headers, response.body),
                                      fetched_at=datetime(2024, 5, 6, 12, tzinfo=UTC))
    if capture.record_type == "revisit" and capture.revisit_of_id:
        archive.copy_article(capture.revisit_of_id, capture)
    elif old is not None:
        archive.record_article(capture, old)
    return capture


OLD = ArticleData(title=f"{TITLE} | Harbour Times", authors=[], published="2024-05-06",
                  text="\n\n".join(PARAGRAPHS[:2]), word_count=50, extractor="trafilatura 0.9")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "archive"


@pytest.fixture(params=BACKENDS)
def config(request: pytest.FixtureRequest, home: Path) -> StorageConfig:
    """The archive's settings: a SQLite catalogue, or PostgreSQL (skips when no server)."""
    env = {} if request.param == "sqlite" else {"ARCHIVER_DATABASE_URL": request.getfixturevalue("postgres_url")}
    return StorageConfig.from_env(env, home=home, fsync_interval=0.0)


def run(config: StorageConfig, *args: str) -> tuple[int, str, str]:
    """Run ``archiver ARGS`` in process on the archive of ``config``: (exit code, stdout, stderr)."""
    return run_cli(config.home, *args, env={"ARCHIVER_DATABASE_URL": config.database_url})


def article_of(config: StorageConfig, capture_id: int) -> Article:
    with Archive(config) as archive, archive.db.session() as session:
        article = queries.article_for_capture(session, capture_id)
        assert article is not None
        session.expunge(article)
        return article


def records(home: Path) -> list:
    return [r for path in sorted((home / "warcs").glob("*.warc.gz")) for r in iter_records(path)]


# --------------------------------------------------------------------------- reextract


def test_reextract_rewrites_changed_articles_through_new_warc_records(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        capture = archive_page(archive, URL, article_html(), old=OLD)
        revisit = archive_page(archive, URL + "?ref=rss", article_html())  # same bytes: a revisit
        other = archive_page(archive, OTHER_URL, article_html("Ferry timetable changes"), old=OLD)
    assert revisit.record_type == "revisit"
    before = article_of(config, capture.id)

    code, out, _ = run(config, "reextract", "--site", "harbourtimes.example", "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["captures"] == 1 and summary["changed"] == 1 and summary["failed"] == 0
    change = summary["changes"][0]
    assert change["id"] == capture.id and change["url"] == URL
    assert {"title", "authors", "published", "text"} <= set(change["fields"])

    after = article_of(config, capture.id)
    assert after.id == before.id  # updated in place
    assert after.title == TITLE and after.authors == ["Ann Ek"] and after.author == "Ann Ek"
    assert after.published == "2024-05-06T07:00:00+02:00"
    assert after.text == "\n\n".join(PARAGRAPHS)
    assert after.extractor.startswith("trafilatura ") and after.extractor != "trafilatura 0.9"
    # the new conversion record, read at the catalogued offset
    conversion = read_record(home / "warcs" / after.conversion_file, after.conversion_offset,
                             expected_length=after.conversion_length)
    assert conversion.record_type == "conversion"
    assert conversion.header("WARC-Refers-To") == capture.record_id
    assert conversion.payload.decode("utf-8") == after.text
    assert after.conversion_record_id != before.conversion_record_id
    # ... and the metadata record beside it
    metadata = [r for r in records(home) if r.record_type == "metadata"
                and r.header("WARC-Concurrent-To") == conversion.record_id]
    assert len(metadata) == 1
    fields = json.loads(metadata[0].payload)
    assert fields["title"] == TITLE and fields["authors"] == ["Ann Ek"]
    # the revisit's copy follows; the other site is untouched
    assert article_of(config, revisit.id).title == TITLE
    assert article_of(config, other.id).title == OLD.title
    # the search index follows the row
    with Archive(config) as archive, archive.db.session() as session:
        assert [a.capture_id for a in queries.full_text_search(session, "sonar")] in ([capture.id, revisit.id],
                                                                                      [revisit.id, capture.id])


def test_reextract_twice_changes_nothing_the_second_time(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        archive_page(archive, URL, article_html(), old=OLD)
        archive_page(archive, OTHER_URL, article_html("Ferry timetable changes"), old=OLD)
    code, out, _ = run(config, "reextract", "--all")
    assert code == 0
    assert "2 captures extracted again: 2 changed, 0 unchanged, 0 failed" in out
    assert f"~ #1 {URL}: title" in out
    count = len(records(home))
    code, out, _ = run(config, "reextract", "--all", "--json")
    assert code == 0 and json.loads(out)["changed"] == 0 and json.loads(out)["unchanged"] == 2
    assert len(records(home)) == count  # nothing written


def test_reextract_filters(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        first = archive_page(archive, URL, article_html(), old=OLD)
        archive_page(archive, OTHER_URL, article_html("Ferry timetable changes"), old=OLD)
        archive_page(archive, URL + "/missing", "<html><body>Not found</body></html>", status=404)
        archive_page(archive, URL + "/feed", "<rss></rss>", content_type="application/rss+xml")
    code, out, _ = run(config, "reextract", "--url", URL, "--json")
    assert json.loads(out)["captures"] == 1 and json.loads(out)["changes"][0]["id"] == first.id
    code, out, _ = run(config, "reextract", "--since", "2024-05-07", "--json")
    assert code == 0 and json.loads(out)["captures"] == 0
    code, out, _ = run(config, "reextract", "--since", "2024-05", "--json")
    assert json.loads(out)["captures"] == 2  # the 404 and the feed are not articles
    with Archive(config) as archive:
        local = archive_page(archive, "http://127.0.0.1:8080/2024/story", article_html("Local story"), old=OLD)
    code, out, _ = run(config, "reextract", "--site", "127.0.0.1:9999", "--json")
    assert json.loads(out)["captures"] == 0  # another port
    code, out, _ = run(config, "reextract", "--site", "127.0.0.1", "--json")  # any port
    assert [c["id"] for c in json.loads(out)["changes"]] == [local.id]
    code, out, _ = run(config, "reextract", "--site", "127.0.0.1:8080", "--json")
    assert json.loads(out)["captures"] == 1 and json.loads(out)["unchanged"] == 1
    code, out, _ = run(config, "stats", "--extraction", "--site", "127.0.0.1", "--json")
    assert [row["host"] for row in json.loads(out)["extraction"]] == ["127.0.0.1:8080"]
    code, _, err = run(config, "reextract")
    assert code == 2 and "--all" in err
    code, _, err = run(config, "reextract", "--since", "yesterday")
    assert code == 2


def test_reindex_from_scratch_keeps_the_newest_extraction(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        capture = archive_page(archive, URL, article_html(), old=OLD)
    assert run(config, "reextract", "--all")[0] == 0
    with Archive(config) as archive:
        reindex(archive, from_scratch=True)
        with archive.db.session() as session:
            rebuilt = queries.latest_capture(session, URL)
            assert rebuilt is not None and rebuilt.record_id == capture.record_id
            assert rebuilt.article.title == TITLE and rebuilt.article.authors == ["Ann Ek"]
            assert rebuilt.article.text == "\n\n".join(PARAGRAPHS)
        again = reindex(archive)  # nothing left to do, and the newest extraction stays
        assert again.captures_added == 0 and again.articles_added == 0
        with archive.db.session() as session:
            assert queries.latest_capture(session, URL).article.title == TITLE


# --------------------------------------------------------------------------- extract


def test_extract_a_local_file_prints_fields_and_sources(tmp_path: Path, home: Path) -> None:
    config = StorageConfig.from_env({}, home=home)
    path = tmp_path / "page.html"
    path.write_text(article_html(), encoding="utf-8")
    code, out, _ = run(config, "extract", str(path), "--url", URL, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["file"] == str(path)
    assert data["title"] == TITLE and data["authors"] == ["Ann Ek"]
    assert data["published"] == "2024-05-06T07:00:00+02:00" and data["sitename"] == "Harbour Times"
    assert data["text"] == "\n\n".join(PARAGRAPHS)
    assert data["sources"]["title"] in {"json-ld", "html"} and data["sources"]["authors"] == "json-ld"
    code, out, _ = run(config, "extract", str(path))
    assert code == 0
    assert f"title:         {TITLE}  [" in out and "authors:       Ann Ek  [json-ld]" in out
    assert PARAGRAPHS[-1] in out
    assert not home.exists()  # nothing archived, no archive created


def test_extract_an_archived_url_reads_the_warc(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        capture = archive_page(archive, URL, article_html(), old=OLD)
        revisit = archive_page(archive, URL + "?utm=x", article_html())
    code, out, _ = run(config, "extract", URL, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["capture_id"] == capture.id and data["title"] == TITLE and data["authors"] == ["Ann Ek"]
    assert article_of(config, capture.id).title == OLD.title  # extract never writes
    code, out, _ = run(config, "extract", URL + "?utm=x", "--json")
    assert code == 0 and json.loads(out)["capture_id"] == revisit.id and json.loads(out)["title"] == TITLE


def test_extract_an_unarchived_url_says_to_archive_it_first(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        archive_page(archive, URL, article_html(), old=OLD)
    code, _, err = run(config, "extract", OTHER_URL)
    assert code == 1
    assert f"archive it first: archiver archive {OTHER_URL}" in err
    assert "Traceback" not in err
    with Archive(config) as archive:
        archive_page(archive, OTHER_URL + ".pdf", "%PDF-1.4", content_type="application/pdf")
    code, _, err = run(config, "extract", OTHER_URL + ".pdf")
    assert code == 1 and "application/pdf, not an HTML page" in err
    code, _, err = run(config, "extract", "no/such/page.html")
    assert code == 2 and "no such file" in err


# --------------------------------------------------------------------------- stats --extraction


def test_stats_extraction_per_site(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        archive_page(archive, URL, article_html(), old=ArticleData(
            title=TITLE, authors=["Ann Ek"], published="2024-05-06", text="one two three four", word_count=4))
        archive_page(archive, URL + "/2", article_html("Second"), old=ArticleData(
            title="Second", authors=[], published=None, text="a b c d e f", word_count=6))
        archive_page(archive, URL + "/3", article_html("Third"), old=ArticleData(title=None, text=None))
        archive_page(archive, URL + "/4", article_html("Fourth"))  # no article at all
        archive_page(archive, URL + "/gone", "<html>gone</html>", status=404)  # not counted
        archive_page(archive, OTHER_URL, article_html("Ferry"), old=ArticleData(
            title="Ferry", authors=["Bo Li"], published="2024-05-07", text="x " * 10, word_count=10))
    code, out, _ = run(config, "stats", "--extraction", "--json")
    assert code == 0
    sites = {row["host"]: row for row in json.loads(out)["extraction"]}
    harbour = sites["www.harbourtimes.example"]
    assert (harbour["captures"], harbour["articles"], harbour["empty_body"]) == (4, 3, 2)
    assert (harbour["no_title"], harbour["no_author"], harbour["no_date"]) == (2, 3, 3)
    assert harbour["median_words"] == 2.0  # 0, 0, 4, 6
    assert harbour["empty_body_share"] == 0.5
    assert sites["news.other.example"]["empty_body"] == 0 and sites["news.other.example"]["median_words"] == 10
    code, out, _ = run(config, "stats", "--extraction", "--site", "harbourtimes.example", "--json")
    assert [row["host"] for row in json.loads(out)["extraction"]] == ["www.harbourtimes.example"]
    code, _, err = run(config, "stats", "--site", "harbourtimes.example")
    assert code == 2 and "--extraction" in err
    code, out, _ = run(config, "stats", "--extraction")
    assert code == 0 and "Extraction health" in out and "www.harbourtimes.example" in out and "50%" in out


def test_reextract_gives_an_article_to_a_capture_that_had_none(home: Path, config: StorageConfig) -> None:
    with Archive(config) as archive:
        capture = archive_page(archive, URL, article_html())  # e.g. extraction timed out at capture time
    code, out, _ = run(config, "reextract", "--url", URL, "--json")
    assert code == 0 and json.loads(out)["changed"] == 1
    article = article_of(config, capture.id)
    assert article.title == TITLE and article.text == "\n\n".join(PARAGRAPHS)
    conversion = read_record(home / "warcs" / article.conversion_file, article.conversion_offset)
    assert conversion.header("WARC-Refers-To") == capture.record_id
