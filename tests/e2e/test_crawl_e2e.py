"""`archiver crawl` end to end against the local crawl site (support/crawl_site.py), reading back what it wrote."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, run_cli, start_archiver
from support.crawl_site import article_path, article_title, published, running_crawl_site

from storage import StorageConfig
from storage.warc import iter_records, read_record

ARTICLES = 30
FAST = ("-s", "AUTOTHROTTLE_START_DELAY=0")  # politeness stays on; localhost answers at once


def crawl(home: Path, *args: str) -> dict:
    """Run `archiver crawl ... --json`; return the run record (the last line)."""
    result = run_archiver(home, "crawl", *args, "--json", *FAST)
    assert "Traceback" not in result.stderr, result.stderr
    lines = json_lines(result.stdout)
    assert lines and lines[-1]["event"] == "run", result.stderr
    return lines[-1]


def db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "catalogue.sqlite")


def article_urls(site) -> list[str]:
    return [site.article_url(i) for i in range(ARTICLES)]


def catalogued_articles(home: Path, run_id: int) -> dict[str, tuple]:
    """URL -> (title, published, author, capture id, record type, status) of each article of a run."""
    rows = db(home).execute(
        "SELECT c.url, a.title, a.published, a.author, c.id, c.record_type, c.status FROM articles a "
        "JOIN captures c ON c.id = a.capture_id WHERE c.crawl_run_id = ?", (run_id,)).fetchall()
    return {row[0]: row[1:] for row in rows}


def article_hits(site) -> dict[str, int]:
    hits = site.hits()
    return {path: n for path, n in hits.items() if "story-number" in path}


@pytest.fixture
def site():
    with running_crawl_site("--articles", str(ARTICLES)) as running:
        yield running


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "archive"


# --------------------------------------------------------------------------- sitemaps


def test_sitemap_crawl_archives_every_listed_article_and_obeys_robots(site, home) -> None:
    result = run_archiver(home, "crawl", "--sitemap", site.url + "robots.txt", "--json", *FAST)
    lines = json_lines(result.stdout)
    run = lines[-1]
    assert run["status"] == "finished" and run["kind"] == "sitemap"
    # The Google News fields travel with each page of the news sitemap.
    listed = {e["url"]: e.get("listing", {}) for e in lines if e.get("event") == "page"}
    assert listed[site.article_url(25)]["title"] == article_title(25)
    assert listed[site.article_url(25)]["published"] == published(25).isoformat()
    assert listed[site.article_url(3)]["lastmod"].startswith(published(3).date().isoformat())
    articles = catalogued_articles(home, run["id"])
    assert sorted(articles) == sorted(article_urls(site))
    for i in range(ARTICLES):
        title, when, author, *_ = articles[site.article_url(i)]
        assert title == article_title(i)
        assert when.startswith(published(i).date().isoformat())
        assert author == f"Reporter {i % 3}"
    # Listed in the gzipped sitemap, disallowed by robots.txt: never requested.
    hits = site.hits()
    assert "/private/secret" not in hits
    assert all(hits.get(article_path(i)) == 1 for i in range(ARTICLES))
    # robots.txt, the index and both sitemaps went through the downloader, so they are archived.
    config = StorageConfig.from_env({}, home=home)
    rows = dict(db(home).execute("SELECT url, id FROM captures WHERE crawl_run_id = ?", (run["id"],)).fetchall())
    for path in ("robots.txt", "sitemap_index.xml", "sitemaps/articles.xml.gz", "sitemaps/news.xml"):
        assert site.url + path in rows, path
    capture = db(home).execute("SELECT warc_file, warc_offset, warc_length FROM captures WHERE url = ?",
                               (site.url + "sitemaps/articles.xml.gz",)).fetchone()
    record = read_record(config.warc_dir / capture[0], capture[1], expected_length=capture[2])
    assert record.record_type == "response" and record.payload[:2] == b"\x1f\x8b"  # stored as served
    # Searchable.
    result = run_archiver(home, "search", '"story number 27"', "--json")
    assert [hit["url"] for hit in json_lines(result.stdout)] == [site.article_url(27)]
    assert run_archiver(home, "verify").returncode == 0


def test_sitemap_since_keeps_only_newer_pages(site, home) -> None:
    run = crawl(home, "--sitemap", site.url + "sitemap_index.xml", "--since", "2024-04-26")
    assert sorted(catalogued_articles(home, run["id"])) == sorted(site.article_url(i) for i in range(25, 30))


def test_bad_options_are_one_line_errors(site, home) -> None:
    for args, message in [
        (("--sitemap", "ftp://x"), "not an http(s) URL"),
        (("--feed", site.url, "--since", "yesterday-ish"), "--since: not a date"),
        (("--site", site.url, "--allow", "(oops"), "--allow: bad regular expression"),
        (("--urls", str(home.parent / "missing.txt")), "--urls: no such file"),
        (("--sitemap", site.url, "--feed", site.url), "exactly one of"),
        (("--site", site.url, "--max-pages", "0"), "--max-pages must be 1 or more"),
    ]:
        result = run_cli(None, "--home", str(home), "crawl", *args)  # raises any exception but the exit
        assert result.returncode == 2, (args, result.output)
        assert message in " ".join(result.output.split()), result.output
    assert site.hits() == {}
    result = run_archiver(home, "crawl", "--feed", "http://[::1")  # and as a real process: no traceback
    assert result.returncode == 2 and "Traceback" not in result.stderr and "error:" in result.stderr


# --------------------------------------------------------------------------- feeds


@pytest.mark.parametrize(("feed", "numbers"), [("feeds/rss.xml", range(0, 10)), ("feeds/atom.xml", range(10, 20))])
def test_feed_items_archived_with_metadata(site, home, feed: str, numbers: range) -> None:
    result = run_archiver(home, "crawl", "--feed", site.url + feed, "--json", *FAST)
    lines = json_lines(result.stdout)
    run = lines[-1]
    assert run["status"] == "finished" and run["counts"]["articles"] == len(numbers)
    articles = catalogued_articles(home, run["id"])
    assert sorted(articles) == sorted(site.article_url(i) for i in numbers)  # relative links resolved
    for i in numbers:
        title, when, author, *_ = articles[site.article_url(i)]
        assert (title, author) == (article_title(i), f"Reporter {i % 3}")
        assert when.startswith(published(i).date().isoformat())
    assert site.url + feed in {r[0] for r in db(home).execute("SELECT url FROM captures")}
    # What the feed said about each item is kept with its article, and survives a rebuild from the WARC files.
    listings = {url: json.loads(listing) for url, listing in db(home).execute(
        "SELECT c.url, a.listing FROM articles a JOIN captures c ON c.id = a.capture_id WHERE c.crawl_run_id = ?",
        (run["id"],))}
    for i in numbers:
        listing = listings[site.article_url(i)]
        assert listing["title"] == article_title(i) and listing["source"] == site.url + feed
        assert listing["published"].startswith(published(i).date().isoformat())
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / 'catalogue.sqlite'}{suffix}").unlink(missing_ok=True)
    assert run_archiver(home, "reindex", "--json").returncode == 0
    rebuilt = {url: json.loads(listing) for url, listing in db(home).execute(
        "SELECT c.url, a.listing FROM articles a JOIN captures c ON c.id = a.capture_id WHERE a.listing IS NOT NULL")}
    assert rebuilt == listings
    shown = run_archiver(home, "show", site.article_url(numbers[0]))
    assert f"Listed in:  {site.url + feed}" in shown.stdout
    shown_json = json.loads(run_archiver(home, "show", site.article_url(numbers[0]), "--json").stdout)
    assert shown_json["listing"] == listings[site.article_url(numbers[0])]


# --------------------------------------------------------------------------- link following, bounds


def test_site_crawl_stops_at_max_pages_and_catalogues_only_articles(site, home) -> None:
    run = crawl(home, "--site", site.url, "--max-pages", "50", "--max-depth", "1000")
    assert run["status"] == "max-pages"
    assert run["counts"]["pages"] == 50
    rows = db(home).execute("SELECT url FROM captures WHERE crawl_run_id = ? AND url NOT LIKE '%/robots.txt'",
                            (run["id"],)).fetchall()
    pages = [url for (url,) in rows]
    assert len(pages) == 50 and len(set(pages)) == 50
    assert sum(1 for url in pages if "/calendar/" in url) > 5  # the trap was entered...
    articles = catalogued_articles(home, run["id"])
    assert articles and set(articles) <= set(article_urls(site))  # ...but no index page became an article
    assert set(articles) == {url for url in pages if "story-number" in url}
    assert run["counts"]["articles"] == len(articles)


def test_traps_do_not_run_away_without_a_page_limit(site, home) -> None:
    run = crawl(home, "--site", site.url, "--max-depth", "1000", "-s", "ARCHIVER_CRAWL_PATTERN_CAP=8")
    assert run["status"] == "finished"
    hits = site.hits()
    calendar = [p for p in hits if p.startswith("/calendar/")]
    loop = [p for p in hits if p.startswith("/list")]
    assert 8 <= len(calendar) <= 12  # the shape cap, plus what was already queued when it was reached
    assert len(loop) == 3  # ?sort=new, +f1, +f2: a fourth query argument is not followed
    assert sorted(catalogued_articles(home, run["id"])) == sorted(article_urls(site))


def test_urls_file_with_comments(site, home) -> None:
    listing = home.parent / "urls.txt"
    listing.write_text(f"# two stories\n{site.article_url(3)}\n\n  {site.article_url(4)}  \n# done\n")
    run = crawl(home, "--urls", str(listing))
    assert sorted(catalogued_articles(home, run["id"])) == [site.article_url(3), site.article_url(4)]


# --------------------------------------------------------------------------- incremental


@pytest.fixture(scope="module")
def three_crawls(tmp_path_factory):
    """One site crawled by sitemap three times: first, again at once, again with --refresh."""
    home = tmp_path_factory.mktemp("three") / "archive"
    with running_crawl_site("--articles", str(ARTICLES)) as site:
        first = crawl(home, "--sitemap", site.url + "robots.txt")
        site.reset_hits()
        second = crawl(home, "--sitemap", site.url + "robots.txt")
        second_hits = site.hits()
        third = crawl(home, "--sitemap", site.url + "robots.txt", "--refresh")
        yield site, home, (first, second, third), second_hits


def test_second_crawl_skips_recent_pages(three_crawls) -> None:
    site, _home, (_first, second, _third), hits = three_crawls
    assert second["counts"]["skipped"] == ARTICLES and second["counts"]["pages"] == 0
    assert {path for path in hits if "story-number" in path} == set()
    assert hits.get("/sitemaps/news.xml") == 1  # sitemaps are always fetched again


def test_refresh_uses_conditional_requests_and_writes_revisits(three_crawls) -> None:
    site, home, (first, _second, second), _hits = three_crawls
    assert second["counts"] | {"bytes": 0, "discovery": 0} == {
        "pages": ARTICLES, "articles": ARTICLES, "new_articles": 0, "revisits": ARTICLES, "errors": 0,
        "skipped": 0, "bytes": 0, "discovery": 0, "robots": 1}  # /private/secret, in the sitemap
    before = catalogued_articles(home, first["id"])
    after = catalogued_articles(home, second["id"])
    assert sorted(after) == sorted(before)
    config = StorageConfig.from_env({}, home=home)
    conn = db(home)
    for url, (title, *_rest, capture_id, record_type, status) in after.items():
        assert (record_type, status) == ("revisit", 304)
        assert title == before[url][0]
        original_id = before[url][3]
        warc_file, offset, length, revisit_of = conn.execute(
            "SELECT warc_file, warc_offset, warc_length, revisit_of_id FROM captures WHERE id = ?",
            (capture_id,)).fetchone()
        assert revisit_of == original_id
        record = read_record(config.warc_dir / warc_file, offset, expected_length=length)
        original_record_id = conn.execute("SELECT record_id FROM captures WHERE id = ?", (original_id,)).fetchone()[0]
        assert record.record_type == "revisit" and record.http_status == 304
        assert record.header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
        assert record.header("WARC-Refers-To") == original_record_id
        assert record.header("WARC-Refers-To-Target-URI") == url
    # The requests were conditional, and no payload is stored twice.
    requests = [r for path in sorted(config.warc_dir.glob("*.warc.gz")) for r in iter_records(path)
                if r.record_type == "request" and "story-number" in r.target_uri]
    assert sum(1 for r in requests if "If-None-Match:" in r.http_head.decode()) == ARTICLES
    digests = [r.header("WARC-Payload-Digest") for path in sorted(config.warc_dir.glob("*.warc.gz"))
               for r in iter_records(path) if r.record_type == "response" and "story-number" in r.target_uri]
    assert len(digests) == len(set(digests)) == ARTICLES
    # show still finds the article through its newest capture.
    shown = json.loads(run_archiver(home, "show", site.article_url(5), "--json").stdout)
    assert shown["title"] == article_title(5) and shown["revisit_of"] == before[site.article_url(5)][3]
    assert run_archiver(home, "verify", "--deep").returncode == 0


# --------------------------------------------------------------------------- stop, kill, resume


@pytest.fixture
def started():
    """Crawl processes a test starts; any still running when it ends (a failed test) are killed."""
    processes: list[subprocess.Popen[str]] = []
    yield processes
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=30)


def _start_slow_crawl(site, home: Path, *extra: str) -> subprocess.Popen[str]:
    args = ["crawl", "--sitemap", site.url + "robots.txt", "--name", "gazette", "--json",
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0.15", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
            "-s", "DOWNLOAD_DELAY_JITTER=0", *extra]
    # A session of its own, as a shell job: signals go to the whole group, extraction workers included.
    return start_archiver(home, *args, start_new_session=True)


def _wait_for_articles(process: subprocess.Popen[str], count: int) -> None:
    assert process.stdout is not None
    seen = 0
    for line in process.stdout:
        if json.loads(line).get("event") == "article":
            seen += 1
            if seen >= count:
                return
    raise AssertionError("the crawl ended before it archived enough articles")


def _resume_and_check(site, home: Path, archived_before: set[str]) -> dict:
    site.reset_hits()
    run = crawl(home, "--sitemap", site.url + "robots.txt", "--name", "gazette", "--resume",
                "-s", "ARCHIVER_RECRAWL_AFTER=0")  # only the resume logic may skip pages here
    assert run["status"] == "finished"
    hits = article_hits(site)
    refetched = {site.url.rstrip("/") + path for path in hits} & archived_before
    assert refetched == set()
    conn = db(home)
    per_url = dict(conn.execute("SELECT c.url, count(*) FROM articles a JOIN captures c ON c.id = a.capture_id "
                                "GROUP BY c.url").fetchall())
    assert per_url == dict.fromkeys(article_urls(site), 1)  # everything archived, nothing twice
    return run


def test_sigkill_then_resume_completes_without_refetching(site, home, started) -> None:
    process = _start_slow_crawl(site, home)
    started.append(process)
    _wait_for_articles(process, 8)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    verify = run_archiver(home, "verify", "--json")
    assert verify.returncode == 0, verify.stdout
    runs = json_lines(run_archiver(home, "runs", "--json").stdout)
    assert runs[0]["status"] == "killed"
    killed_id = runs[0]["id"]
    archived = {url for (url,) in db(home).execute(
        "SELECT c.url FROM articles a JOIN captures c ON c.id = a.capture_id")}
    assert 8 <= len(archived) < ARTICLES
    run = _resume_and_check(site, home, archived)
    assert run["resumed_from"] == killed_id
    assert run["counts"]["skipped"] >= len(archived)
    statuses = {r["id"]: r["status"] for r in json_lines(run_archiver(home, "runs", "--json").stdout)}
    assert statuses == {killed_id: "killed", run["id"]: "finished"}  # resuming it does not rename it


def test_sigint_stops_cleanly_and_resume_continues(site, home, started) -> None:
    process = _start_slow_crawl(site, home)
    started.append(process)
    _wait_for_articles(process, 5)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and "Traceback" not in err  # interrupted (docs/exit-codes.md)
    config = StorageConfig.from_env({}, home=home)
    assert list(config.warc_dir.glob("*.open")) == []  # WARC files closed
    [stopped] = json_lines(run_archiver(home, "runs", "--json").stdout)
    assert stopped["status"] == "interrupted"
    assert (home / "jobs" / "gazette").is_dir()
    archived = {url for (url,) in db(home).execute(
        "SELECT c.url FROM articles a JOIN captures c ON c.id = a.capture_id")}
    _resume_and_check(site, home, archived)


# --------------------------------------------------------------------------- runs


def test_runs_json_counts_match_the_catalogue(three_crawls) -> None:
    site, home, _runs, _hits = three_crawls
    runs = json_lines(run_archiver(home, "runs", "--json").stdout)
    assert [r["kind"] for r in runs] == ["sitemap"] * 3
    conn = db(home)
    for run in runs:
        rid = run["id"]
        pages = conn.execute(
            "SELECT count(*) FROM captures WHERE crawl_run_id = ? AND url NOT LIKE '%/robots.txt' "
            "AND url NOT LIKE '%/sitemap%'", (rid,)).fetchone()[0]
        revisits = conn.execute("SELECT count(*) FROM captures WHERE crawl_run_id = ? AND record_type = 'revisit' "
                                "AND url LIKE '%story-number%'", (rid,)).fetchone()[0]
        articles = conn.execute("SELECT count(*) FROM articles a JOIN captures c ON c.id = a.capture_id "
                                "WHERE c.crawl_run_id = ?", (rid,)).fetchone()[0]
        errors = conn.execute("SELECT count(*) FROM captures WHERE crawl_run_id = ? AND (status >= 400 OR "
                              "status IS NULL)", (rid,)).fetchone()[0]
        response_bytes = conn.execute("SELECT sum(payload_length) FROM captures WHERE crawl_run_id = ?",
                                      (rid,)).fetchone()[0]
        counts = run["counts"]
        assert (counts["pages"], counts["articles"], counts["revisits"], counts["errors"]) == (
            pages, articles, revisits, errors), run
        assert counts["bytes"] >= response_bytes > 0  # bodies plus headers, as received
        assert run["status"] == "finished" and run["started_at"] < run["finished_at"]
    third, second, first = runs
    assert [r["counts"]["new_articles"] for r in (first, second, third)] == [ARTICLES, 0, 0]
    assert [r["counts"]["skipped"] for r in (first, second, third)] == [0, ARTICLES, 0]
    assert [r["counts"]["pages"] for r in (first, second, third)] == [ARTICLES, 0, ARTICLES]
    detail = json.loads(run_archiver(home, "runs", "show", str(first["id"]), "--json").stdout)
    assert detail["start"] == site.url + "robots.txt"
    assert detail["options"]["discovery"] == "sitemap" and detail["close_reason"] == "finished"
    refreshed = json.loads(run_archiver(home, "runs", "show", str(third["id"]), "--json").stdout)
    assert refreshed["stats"]["archiver/crawl/conditional"] == ARTICLES
    assert refreshed["stats"]["downloader/response_status_count/304"] == ARTICLES
    assert run_archiver(home, "runs", "show", "999").returncode == 1


def test_progress_bar_on_a_terminal(site, home) -> None:
    import pty

    controller, terminal = pty.openpty()
    process = start_archiver(home, "crawl", "--feed", site.url + "feeds/rss.xml", *FAST, stderr=terminal,
                             text=False)
    os.close(terminal)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the crawl closed its end
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    text = shown.decode(errors="replace")
    assert "crawling" in text and "10 pages, 10 articles, 0 errors" in text and "pages/s" in text
    assert "run 1 (feed-127.0.0.1-" in out.decode() and "10 articles (10 new)" in out.decode()


def test_reindex_from_scratch_gives_back_what_the_crawls_catalogued(three_crawls, tmp_path: Path) -> None:
    """Responses, identical-payload revisits and 304 revisits: same rows, digests and articles from the WARCs alone."""
    import shutil

    _site, home, _runs, _hits = three_crawls
    copy = tmp_path / "archive"
    shutil.copytree(home, copy)

    def snapshot() -> list[tuple]:
        rows = db(copy).execute(
            "SELECT c.url, c.record_type, c.status, c.payload_digest, o.url, a.title, a.listing "
            "FROM captures c LEFT JOIN captures o ON o.id = c.revisit_of_id "
            "LEFT JOIN articles a ON a.capture_id = c.id WHERE c.warc_file IS NOT NULL").fetchall()
        return sorted(((*row[:6], json.loads(row[6]) if row[6] else None) for row in rows), key=str)

    before = snapshot()
    assert any(row[1:3] == ("revisit", 304) for row in before)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy / 'catalogue.sqlite'}{suffix}").unlink(missing_ok=True)
    assert run_archiver(copy, "reindex", "--json").returncode == 0
    assert snapshot() == before
