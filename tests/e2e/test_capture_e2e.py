"""`archiver archive` end to end against the local fixture news site, reading back what it wrote."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, tool
from support.fixture_site import ARTICLE_PATH, running_site

from storage import StorageConfig
from storage.warc import decode_payload, iter_records, read_record

ROOT = Path(__file__).resolve().parents[2]
SEED_FIRST = "Russia's invasion of Ukraine has sent shock waves across the former Soviet Union"
SEED_LAST = '"Armenia has nowhere to go in any case."'
BOILERPLATE = ["Accept all cookies", "Most read this week", "Reader comment", "All rights reserved",
               "Subscribe to our newsletter", "Privacy policy"]
PATHS = [ARTICLE_PATH, "/redirect", "/cp1251", "/404", "/500", "/report.pdf", "/chunked", "/reset",
         "/copy/frustration"]


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


@pytest.fixture(scope="module")
def archived(site, tmp_path_factory):
    """One `archiver archive --json` run over every kind of page the fixture site serves."""
    home = tmp_path_factory.mktemp("e2e") / "archive"
    urls = [site.url.rstrip("/") + path for path in PATHS]
    result = run_archiver(home, "archive", "--json", *urls)
    results = {r["url"]: r for r in json_lines(result.stdout)}
    return home, urls, results, result


def url_of(site, path: str) -> str:
    return site.url.rstrip("/") + path


def sent(site, path: str) -> dict:
    """The fixture site's log entry for the last time it served ``path``."""
    return [entry for entry in site.log() if entry["path"] == path][-1]


def warc_files(home: Path) -> list[Path]:
    return sorted((home / "warcs").glob("*.warc.gz"))


def test_one_result_per_url_and_exit_code(archived) -> None:
    _home, urls, results, result = archived
    assert list(results) == urls, result.stderr
    assert result.returncode == 1  # /reset is cut short mid-body: a network-level failure
    assert "Traceback" not in result.stderr
    for record in results.values():
        for key in ("id", "url", "final_url", "status", "content_type", "fetched_at", "title", "author", "authors",
                    "published", "language", "word_count", "warc_file", "warc_offset", "warc_length",
                    "revisit_of", "error"):
            assert key in record


def test_seed_article_extracted(archived, site) -> None:
    home, _urls, results, _ = archived
    article = results[url_of(site, ARTICLE_PATH)]
    assert article["status"] == 200
    assert article["title"] == "Frustration With Russia Grows in Armenia"
    assert article["authors"] == ["AFP"] and article["author"] == "AFP"
    assert article["published"].startswith("2023-04-16")
    assert article["language"] == "en"
    shown = json.loads(run_archiver(home, "show", str(article["id"]), "--json").stdout)
    assert SEED_FIRST in shown["text"] and SEED_LAST in shown["text"]
    for phrase in BOILERPLATE:
        assert phrase not in shown["text"], phrase


def test_payload_at_catalogued_offset_is_what_the_server_sent(archived, site) -> None:
    home, _urls, results, _ = archived
    article = results[url_of(site, ARTICLE_PATH)]
    record = read_record(home / "warcs" / article["warc_file"], article["warc_offset"],
                         expected_length=article["warc_length"])
    assert record.record_type == "response"
    assert hashlib.sha1(record.payload).hexdigest() == sent(site, ARTICLE_PATH)["body_sha1"]
    assert record.http_header("Content-Encoding") == "gzip"
    assert b"Frustration With Russia Grows in Armenia" in decode_payload(record)
    raw = run_archiver(home, "get", str(article["id"]), text=False, check=True)
    assert hashlib.sha1(raw.stdout).hexdigest() == sent(site, ARTICLE_PATH)["body_sha1"]
    decoded = run_archiver(home, "get", str(article["id"]), "--decoded", text=False, check=True).stdout
    assert decoded == decode_payload(record) and decoded.startswith(b"<!DOCTYPE html>")


def test_request_record_is_what_went_over_the_wire(archived, site) -> None:
    home, _urls, results, _ = archived
    article = results[url_of(site, ARTICLE_PATH)]
    requests = [r for path in warc_files(home) for r in iter_records(path)
                if r.record_type == "request" and r.target_uri == article["final_url"]]
    wire = [e["raw_request"].encode("latin-1") for e in site.log() if e["path"] == ARTICLE_PATH]
    assert requests and requests[0].http_head in wire


def test_files_pass_warcio_check_and_cdxj_indexer(archived) -> None:
    home, _urls, _results, _ = archived
    files = warc_files(home)
    assert files and not list((home / "warcs").glob("*.open"))
    for path in files:
        check = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout
    cdxj = subprocess.run([tool("cdxj-indexer"), *map(str, files)], capture_output=True, text=True, check=True)
    statuses = {json.loads(line.split(" ", 2)[2]).get("status") for line in cdxj.stdout.splitlines()}
    assert {"200", "301", "302", "404", "500"} <= statuses


def test_each_redirect_hop_is_a_response_record(archived, site) -> None:
    home, _urls, results, _ = archived
    result = results[url_of(site, "/redirect")]
    assert result["final_url"] == url_of(site, ARTICLE_PATH) and result["status"] == 200
    hops = {r.target_uri: r.http_status for path in warc_files(home) for r in iter_records(path)
            if r.record_type == "response"}
    assert hops[url_of(site, "/redirect")] == 301
    assert hops[url_of(site, "/redirect-2")] == 302
    by_first = json.loads(run_archiver(home, "show", url_of(site, "/redirect"), "--json").stdout)
    by_final = json.loads(run_archiver(home, "show", url_of(site, ARTICLE_PATH), "--json").stdout)
    assert by_first["title"] == by_final["title"] == "Frustration With Russia Grows in Armenia"


def test_windows_1251_page(archived, site) -> None:
    home, _urls, results, _ = archived
    page = results[url_of(site, "/cp1251")]
    assert page["title"] == "Новости: Армения и Россия"
    text = json.loads(run_archiver(home, "show", str(page["id"]), "--json").stdout)["text"]
    assert "Армения" in text and "Ð" not in text


def test_errors_and_non_html_are_captures(archived, site) -> None:
    _home, _urls, results, _ = archived
    assert results[url_of(site, "/404")]["status"] == 404
    assert results[url_of(site, "/500")]["status"] == 500
    for path in ("/404", "/500"):
        assert results[url_of(site, path)]["title"] is None  # an error page is not an article
    pdf = results[url_of(site, "/report.pdf")]
    assert pdf["status"] == 200 and pdf["content_type"] == "application/pdf" and pdf["title"] is None
    assert pdf["error"] is None


def test_chunked_body_stored_dechunked_without_an_invented_length(archived, site) -> None:
    home, _urls, results, _ = archived
    page = results[url_of(site, "/chunked")]
    record = read_record(home / "warcs" / page["warc_file"], page["warc_offset"])
    assert record.http_header("Transfer-Encoding") is None
    assert record.header("Archiver-Transfer-Decoded") == "chunked"
    assert record.http_header("Content-Length") is None  # the server sent none; the WARC record has its length
    assert hashlib.sha1(record.payload).hexdigest() == sent(site, "/chunked")["body_sha1"]


def test_reset_mid_body_is_a_truncated_capture(archived, site) -> None:
    home, _urls, results, _ = archived
    page = results[url_of(site, "/reset")]
    assert page["truncated"] == "disconnect" and page["status"] == 200
    record = read_record(home / "warcs" / page["warc_file"], page["warc_offset"])
    assert record.header("WARC-Truncated") == "disconnect"
    assert 0 < len(record.payload) <= sent(site, "/reset")["body_length"]
    check = run_archiver(home, "verify")
    assert check.returncode == 0, check.stdout


def test_identical_bytes_at_another_url_stored_once(archived, site) -> None:
    _home, _urls, results, _ = archived
    original = results[url_of(site, ARTICLE_PATH)]
    copy = results[url_of(site, "/copy/frustration")]
    assert copy["record_type"] == "revisit" and copy["revisit_of"] == original["id"]
    assert copy["title"] == original["title"]  # the article is known without storing the payload again


def test_show_markdown_like_the_seed(archived, site) -> None:
    home, _urls, _results, _ = archived
    result = run_archiver(home, "show", url_of(site, ARTICLE_PATH), "--format", "markdown")
    assert result.returncode == 0
    markdown = result.stdout
    assert markdown.startswith("# Frustration With Russia Grows in Armenia\n\nBy AFP\n\nApril 16, 2023\n\n")
    assert SEED_FIRST in markdown and SEED_LAST in markdown
    assert markdown.rstrip().endswith(f"<{url_of(site, ARTICLE_PATH)}>")


def test_show_text_and_unknown_reference(archived, site) -> None:
    home, _urls, _results, _ = archived
    text = run_archiver(home, "show", url_of(site, ARTICLE_PATH))
    assert re.search(r"^Title:\s+Frustration With Russia Grows in Armenia$", text.stdout, re.MULTILINE)
    assert re.search(r"^Authors:\s+AFP$", text.stdout, re.MULTILINE)
    missing = run_archiver(home, "show", "https://never.example/")
    assert missing.returncode == 1 and "nothing archived" in missing.stderr and "Traceback" not in missing.stderr


def test_same_url_twice_then_changed(site, tmp_path) -> None:
    home = tmp_path / "archive"
    url = url_of(site, "/changing")
    site.control(changing=1)
    first = json_lines(run_archiver(home, "archive", "--json", url).stdout)[0]
    second = json_lines(run_archiver(home, "archive", "--json", url).stdout)[0]
    site.control(changing=2)
    third = json_lines(run_archiver(home, "archive", "--json", url).stdout)[0]
    assert (first["record_type"], second["record_type"], third["record_type"]) == ("response", "revisit", "response")
    assert second["revisit_of"] == first["id"]
    kinds = [r.record_type for path in warc_files(home) for r in iter_records(path) if r.target_uri == url]
    assert kinds.count("response") == 2 and kinds.count("revisit") == 1 and kinds.count("request") == 3
    assert "Version 2" in (third["title"] or "") or third["payload_digest"] != first["payload_digest"]


def test_timeout_on_slow_page(site, tmp_path) -> None:
    home = tmp_path / "archive"
    started = time.monotonic()
    result = run_archiver(home, "archive", "--timeout", "5", "--json", url_of(site, "/slow"))
    elapsed = time.monotonic() - started
    assert result.returncode == 1 and elapsed < 40
    [record] = json_lines(result.stdout)
    assert record["status"] is None and "TimeoutError" in record["error"]
    shown = json.loads(run_archiver(home, "show", url_of(site, "/slow"), "--json").stdout)
    assert shown["error"] == record["error"]


@pytest.mark.parametrize("bad", ["not a url", "ftp://example.org/file", "javascript:alert(1)", "http://"])
def test_bad_urls_are_refused_and_nothing_is_written(tmp_path, bad) -> None:
    home = tmp_path / "archive"
    result = run_archiver(home, "archive", bad, "https://fine.example/")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and bad.split(":")[0] in result.stderr
    assert "Traceback" not in result.stderr
    assert not home.exists()


def test_verify_reports_a_row_pointing_at_the_wrong_bytes(site, tmp_path) -> None:
    home = tmp_path / "archive"
    record = json_lines(run_archiver(home, "archive", "--json", url_of(site, "/chunked")).stdout)[0]
    assert run_archiver(home, "verify").returncode == 0
    with sqlite3.connect(home / "catalogue.sqlite") as db:
        db.execute("UPDATE captures SET warc_offset = warc_offset + 3 WHERE id = ?", (record["id"],))
    result = run_archiver(home, "verify", "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and not report["ok"]
    assert report["problems"][0]["capture_id"] == record["id"]


def test_scrapy_crawl_through_scrapy_cfg(site, tmp_path) -> None:
    home = tmp_path / "archive"
    env = {**os.environ, "ARCHIVER_HOME": str(home)}
    result = subprocess.run([tool("scrapy"), "crawl", "urls", "-a", f"urls={url_of(site, ARTICLE_PATH)}",
                             "-s", "LOG_LEVEL=WARNING"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    config = StorageConfig.from_env({"ARCHIVER_HOME": str(home)})
    files = list(config.warc_dir.glob("*.warc.gz"))
    types = [r.record_type for path in files for r in iter_records(path)]
    # robots.txt is fetched (and archived) too: scrapy crawl obeys it by default
    assert types.count("response") >= 2 and "conversion" in types and "metadata" in types


def test_connection_refused_is_recorded_with_exit_1(tmp_path) -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    home = tmp_path / "archive"
    result = run_archiver(home, "archive", "--json", "--retries", "0", f"http://127.0.0.1:{port}/gone")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    [record] = json_lines(result.stdout)
    assert record["status"] is None and "Connect" in record["error"]
    assert run_archiver(home, "verify").returncode == 0
