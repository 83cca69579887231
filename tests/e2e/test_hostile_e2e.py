"""`archiver archive` against hostile pages: each is archived (maybe truncated) or refused with a recorded error.

One archiver run covers most routes at once (they download in parallel, so the run takes about
as long as its slowest page, ``/stall``'s 4 s timeout); every test reads back what was written.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver
from support.fixture_site import BAD_CHARSET_TITLE, HUGE_LENGTH, binary_body, deep_page, huge_body, running_site

from storage.warc import ArchivedRecord, iter_records, read_record

MAX_SIZE = 2_000_000  # --max-size 2MB: /huge is cut, /deep (1.1 MB) is not
INJECTED = "/inject%0d%0aX-Injected:%20yes"
HOSTILE = ["/bad-gzip", "/length-long", "/length-short", "/bad-charset", "/deep", "/binary", "/huge", "/trickle",
           "/stall", "/loop", INJECTED]


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


def url_of(site, path: str) -> str:
    return site.url.rstrip("/") + path


@pytest.fixture(scope="module")
def hostile(site, tmp_path_factory):
    """One `archiver archive --json` run over every hostile route (4 s timeout, no retries, 2 MB bodies)."""
    home = tmp_path_factory.mktemp("hostile") / "archive"
    urls = [url_of(site, path) for path in HOSTILE]
    result = run_archiver(home, "archive", "--json", "--timeout", "4", "--retries", "0", "--max-size", "2MB", *urls)
    results = {r["url"]: r for r in json_lines(result.stdout)}
    return home, results, result


def result_for(hostile, site, path: str) -> dict:
    return hostile[1][url_of(site, path)]


def record_of(home: Path, result: dict) -> ArchivedRecord:
    path = home / "warcs" / result["warc_file"]
    return read_record(path, result["warc_offset"], expected_length=result["warc_length"])


def sent(site, path: str) -> dict:
    return [entry for entry in site.log() if entry["path"] == path][-1]


def verify_ok(home: Path) -> None:
    check = run_archiver(home, "verify", "--json")
    assert check.returncode == 0 and json.loads(check.stdout)["ok"], check.stdout


def test_the_crawl_finishes_with_one_result_per_url_and_verifies(hostile, site) -> None:
    home, results, result = hostile
    assert list(results) == [url_of(site, path) for path in HOSTILE], result.stderr
    assert result.returncode == 1  # cut short, timed out or archived with an error: see below
    assert "Traceback" not in result.stderr
    verify_ok(home)


def test_gzip_garbage_is_archived_as_sent_with_an_error(hostile, site) -> None:
    page = result_for(hostile, site, "/bad-gzip")
    assert page["status"] == 200 and page["title"] is None and page["truncated"] is None
    assert page["error"] == "cannot decode the gzip body: BadGzipFile: Not a gzipped file (b'<!')"
    record = record_of(hostile[0], page)
    assert record.http_header("Content-Encoding") == "gzip"
    assert hashlib.sha1(record.payload).hexdigest() == sent(site, "/bad-gzip")["body_sha1"]


def test_content_length_longer_than_the_body_is_a_disconnect(hostile, site) -> None:
    page = result_for(hostile, site, "/length-long")
    assert page["status"] == 200 and page["truncated"] == "disconnect" and page["error"] is None
    record = record_of(hostile[0], page)
    assert record.header("WARC-Truncated") == "disconnect"
    assert hashlib.sha1(record.payload).hexdigest() == sent(site, "/length-long")["body_sha1"]
    assert len(record.payload) == 1000 and record.http_header("Content-Length") == "5000"  # kept as received


def test_content_length_shorter_than_the_body_keeps_what_it_announced(hostile, site) -> None:
    page = result_for(hostile, site, "/length-short")
    assert page["status"] == 200 and page["truncated"] is None and page["error"] is None
    record = record_of(hostile[0], page)
    assert len(record.payload) == 100 and record.http_header("Content-Length") == "100"
    assert record.payload.startswith(b"<!DOCTYPE html>") and sent(site, "/length-short")["body_length"] > 100


def test_unknown_charset_declarations_fall_back_to_detection(hostile, site) -> None:
    page = result_for(hostile, site, "/bad-charset")
    assert page["status"] == 200 and page["error"] is None
    assert page["title"] == BAD_CHARSET_TITLE  # decoded as the UTF-8 it really is
    assert record_of(hostile[0], page).http_header("Content-Type") == "text/html; charset=no-such-charset"


def test_html_nested_100000_deep_is_archived_whole(hostile, site) -> None:
    page = result_for(hostile, site, "/deep")
    assert page["status"] == 200 and page["truncated"] is None and page["error"] is None
    assert record_of(hostile[0], page).payload == deep_page()


def test_binary_served_as_html_is_archived_without_an_article(hostile, site) -> None:
    page = result_for(hostile, site, "/binary")
    assert page["status"] == 200 and page["error"] is None and page["truncated"] is None
    assert page["word_count"] == 0
    assert record_of(hostile[0], page).payload == binary_body()


def test_a_gigabyte_body_is_cut_at_max_size(hostile, site) -> None:
    page = result_for(hostile, site, "/huge")
    assert page["status"] == 200 and page["truncated"] == "length"
    record = record_of(hostile[0], page)
    assert record.header("WARC-Truncated") == "length"
    assert record.payload == b"".join(huge_body(MAX_SIZE))  # exactly the first MAX_SIZE bytes
    assert record.http_header("Content-Length") == str(HUGE_LENGTH)  # the headers stay as received


def test_a_trickling_body_is_cut_at_the_download_time_limit(hostile, site) -> None:
    page = result_for(hostile, site, "/trickle")
    assert page["status"] == 200 and page["truncated"] == "time"
    record = record_of(hostile[0], page)
    assert record.header("WARC-Truncated") == "time"
    # 2000 bytes per 0.1 s for 90% of the 4 s timeout: what came, far from the promised 1 MB.
    assert 10_000 < len(record.payload) < 200_000
    assert record.payload == b"".join(huge_body(len(record.payload)))


def test_a_server_that_sends_nothing_more_ends_in_a_plain_timeout(hostile, site) -> None:
    page = result_for(hostile, site, "/stall")
    assert page["status"] is None and page["warc_file"] is None
    assert page["error"].startswith("DownloadTimeoutError") and "4.0 seconds" in page["error"]


def test_a_redirect_loop_ends_with_an_error_and_every_hop_archived(hostile, site) -> None:
    home, _results, _ = hostile
    page = result_for(hostile, site, "/loop")
    assert page["status"] == 302
    assert page["error"] == "too many redirects: gave up after 20 (REDIRECT_MAX_TIMES is 20)"
    hops = [r for path in sorted((home / "warcs").glob("*.warc.gz")) for r in iter_records(path)
            if r.record_type in ("response", "revisit") and r.target_uri in (url_of(site, "/loop"),
                                                                             url_of(site, "/loop-2"))]
    served = [e for e in site.log() if e["path"] in ("/loop", "/loop-2")]
    assert len(hops) == len(served) == 21  # the first answer and 20 followed redirects


def test_percent_encoded_crlf_in_a_url_injects_no_header(hostile, site) -> None:
    page = result_for(hostile, site, INJECTED)
    assert page["status"] == 404 and page["final_url"] == url_of(site, INJECTED)
    head = sent(site, INJECTED)["raw_request"]
    assert head.startswith(f"GET {INJECTED} HTTP/1.1\r\n")
    assert not any(line.lower().startswith("x-injected") for line in head.split("\r\n"))


def test_raw_crlf_in_a_url_is_refused(site, tmp_path) -> None:
    home = tmp_path / "archive"
    before = len(site.log())
    result = run_archiver(home, "archive", url_of(site, "/a\r\nX-Injected: yes"))
    assert result.returncode == 2 and "control characters" in result.stderr
    assert "Traceback" not in result.stderr and not home.exists()
    assert len(site.log()) == before  # nothing was fetched


def test_the_default_limit_stops_a_gigabyte_body_at_50_mb(site, tmp_path) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "archive", "--json", url_of(site, "/huge.bin"))
    [page] = json_lines(result.stdout)
    assert result.returncode == 1 and page["truncated"] == "length", result.stderr
    record = record_of(home, page)
    expected = hashlib.sha1()
    for chunk in huge_body(50_000_000):
        expected.update(chunk)
    assert len(record.payload) == 50_000_000 and hashlib.sha1(record.payload).digest() == expected.digest()
    verify_ok(home)


def test_an_extraction_past_its_time_limit_leaves_no_article(site, tmp_path) -> None:
    home = tmp_path / "archive"
    # No page is sent to a worker, extracted and sent back within a millisecond: the extraction
    # always runs out of time.
    result = run_archiver(home, "archive", "--json", "-s", "ARCHIVER_EXTRACT_TIMEOUT=0.001",
                          url_of(site, "/bad-charset"))
    [page] = json_lines(result.stdout)
    assert result.returncode == 0 and page["status"] == 200 and page["title"] is None
    assert "gave up extracting" in result.stderr and "ARCHIVER_EXTRACT_TIMEOUT" in result.stderr
    with sqlite3.connect(home / "catalogue.sqlite") as db:
        [(stats,)] = db.execute("SELECT stats FROM crawl_runs").fetchall()
    assert json.loads(stats)["archiver/extract_timeout"] == 1
    verify_ok(home)
