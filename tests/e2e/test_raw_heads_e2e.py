"""Response heads as received: the WARC keeps the status line and header block the server sent, byte for byte.

A raw-socket server (support.raw_site) sends fixed bytes: odd case and order, extra spaces,
custom reason phrases, ``Connection: close``, repeated and folded headers, bare LF line ends,
chunked, close-delimited and gzip bodies, a 304 and a redirect, over http and https. After
``archiver archive`` and ``archiver crawl`` every response (and revisit) record's HTTP head
equals what was sent, except that a de-chunked body's ``Transfer-Encoding`` line is left out
(and named in ``Archiver-Transfer-Decoded``); payload digests are the sha1 of the entity,
recomputed here; ``warcio check`` passes; pywb replays them; articles are extracted; one
entity sent chunked and with a length is stored once.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, tool
from support.launcher import module_command, support_env
from support.pywb_replay import pywb_collection
from support.raw_site import ANSWERS, ARTICLE_TITLE, ETAG_NOT_MODIFIED, make_certificate, running_raw_site
from support.tool_venvs import ToolUnavailable, tool_venv
from warcio.archiveiterator import ArchiveIterator

GET_PATHS = ["/odd", "/plain", "/chunked", "/close", "/gzip", "/lf", "/continue", "/not-modified", "/redirect"]
ARTICLES = ["/odd", "/plain", "/chunked", "/close", "/gzip", "/lf"]
# The lines a de-chunked body's stored head leaves out, spelled as the server sent them.
TRANSFER_LINES = {"/chunked": b"Transfer-Encoding: chunked\r\n", "/gzip": b"transfer-encoding: chunked\r\n"}


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def expected_head(path: str) -> bytes:
    head = ANSWERS[path].head
    line = TRANSFER_LINES.get(path)
    if line is not None:
        assert head.count(line) == 1
        head = head.replace(line, b"")
    return head


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    cert = make_certificate(tmp_path_factory.mktemp("tls"))
    with running_raw_site() as http_url, running_raw_site(tls=cert) as https_url:
        yield http_url, https_url


@dataclass
class Stored:
    """A response or revisit record as stored: its WARC headers and its block, unparsed."""

    record_type: str
    warc_headers: dict[str, str]
    block: bytes

    def header(self, name: str) -> str | None:
        return self.warc_headers.get(name.lower())

    def split(self, head: bytes) -> bytes:
        """The payload after ``head``, which must be exactly how the block starts."""
        assert self.block[:len(head)] == head, (self.block[:len(head) + 40], head)
        return self.block[len(head):]


def http_records(home: Path) -> dict[str, list[Stored]]:
    """Response and revisit records of every WARC file under ``home``, by target URI (read by warcio, unparsed)."""
    found: dict[str, list[Stored]] = {}
    for path in sorted((home / "warcs").glob("*.warc.gz")):
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle, no_record_parse=True):
                if record.rec_type in ("response", "revisit"):
                    headers = {k.lower(): v for k, v in record.rec_headers.headers}
                    stored = Stored(record.rec_type, headers, record.raw_stream.read())
                    found.setdefault(headers["warc-target-uri"], []).append(stored)
    return found


@pytest.fixture(scope="module")
def archived(sites, tmp_path_factory):
    """`archiver archive --json` of every route over http, and of three over https."""
    http_url, https_url = sites
    home = tmp_path_factory.mktemp("rawheads") / "archive"
    urls = [http_url.rstrip("/") + path for path in GET_PATHS]
    urls += [https_url.rstrip("/") + path for path in ("/odd", "/chunked", "/not-modified")]
    urls.append(http_url.rstrip("/") + "/spaces-line")
    result = run_archiver(home, "archive", "--json", "--retries", "0", *urls)
    assert "Traceback" not in result.stderr, result.stderr
    results = {r["url"]: r for r in json_lines(result.stdout)}
    assert set(results) == set(urls), result.stderr
    return home, results, http_records(home)


def test_every_head_is_stored_as_sent_over_http_and_https(archived, sites) -> None:
    home, _results, records = archived
    checked = 0
    for base in sites:
        for path in GET_PATHS:
            for record in records.get(base.rstrip("/") + path, []):
                record.split(expected_head(path))
                decoded = record.header("Archiver-Transfer-Decoded")
                assert decoded == ("chunked" if path in TRANSFER_LINES else None), path
                assert record.header("Archiver-Http-Head") is None  # recorded, not rebuilt
                checked += 1
    assert checked >= len(GET_PATHS) + 3 + 1  # each URL, plus the redirect's second hop


def test_a_head_readers_would_misread_is_rebuilt_and_marked(archived, sites) -> None:
    _home, _results, records = archived
    (record,) = records[sites[0].rstrip("/") + "/spaces-line"]
    assert record.header("Archiver-Http-Head") == "rebuilt"
    assert record.block.endswith(b"\r\n\r\nok\n") and record.block.count(b"\r\n\r\n") == 1


def test_no_content_length_is_invented(archived, sites) -> None:
    _home, _results, records = archived
    for path in ("/chunked", "/close", "/gzip", "/not-modified"):
        assert b"content-length" not in expected_head(path).lower(), path
        for record in records[sites[0].rstrip("/") + path]:
            record.split(expected_head(path))  # that head and nothing added to it


def test_payloads_and_digests_are_the_entities_sent(archived, sites) -> None:
    _home, _results, records = archived
    for path in GET_PATHS:
        answer = ANSWERS[path]
        for record in records[sites[0].rstrip("/") + path]:
            payload = record.split(expected_head(path))
            assert record.header("WARC-Block-Digest") == sha1_b32(record.block), path
            if path in ("/redirect", "/not-modified"):
                assert payload == b""
                continue
            assert record.header("WARC-Payload-Digest") == sha1_b32(answer.entity), path
            assert payload == (answer.entity if record.record_type == "response" else b""), path


def test_one_entity_sent_with_a_length_and_chunked_is_stored_once(archived, sites) -> None:
    _home, results, records = archived
    same = [sites[0].rstrip("/") + path for path in ("/odd", "/plain", "/chunked")]
    kinds = sorted(results[url]["record_type"] for url in same)
    assert kinds == ["response", "revisit", "revisit"]
    assert len({results[url]["payload_digest"] for url in same}) == 1
    assert results[sites[0].rstrip("/") + "/redirect"]["record_type"] == "revisit"  # /odd once more
    revisit = next(r for url in same for r in records[url] if r.record_type == "revisit")
    assert revisit.header("WARC-Payload-Digest") == sha1_b32(ANSWERS["/odd"].entity)


def test_articles_are_still_extracted(archived, sites) -> None:
    _home, results, _records = archived
    for path in ARTICLES:
        page = results[sites[0].rstrip("/") + path]
        assert page["status"] == 200 and page["title"] == ARTICLE_TITLE, page
        assert page["error"] is None
    assert results[sites[1].rstrip("/") + "/odd"]["title"] == ARTICLE_TITLE


def test_warcio_check_and_verify_pass(archived) -> None:
    home = archived[0]
    for path in (home / "warcs").glob("*.warc.gz"):
        check = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "digest failed" not in check.stdout
    verify = run_archiver(home, "verify", "--deep")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_fastwarc_reads_every_record_and_its_block_digests_pass(archived) -> None:
    try:
        bindir = tool_venv("fastwarc", ["resiliparse"])
    except ToolUnavailable as exc:
        pytest.skip(f"FastWARC could not be installed in its own venv: {exc}")
    for path in (archived[0] / "warcs").glob("*.warc.gz"):
        check = subprocess.run([str(bindir / "fastwarc"), "check", "-q", str(path)], capture_output=True, text=True,
                               timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr


def test_a_crawl_and_a_recrawl_store_heads_as_sent_too(sites, tmp_path) -> None:
    home = tmp_path / "archive"
    url_file = tmp_path / "urls.txt"
    paths = ("/odd", "/chunked", "/close", "/etag")
    url_file.write_text("".join(sites[0].rstrip("/") + path + "\n" for path in paths))
    for extra in ([], ["--refresh"]):  # the second crawl asks /etag with If-None-Match and gets a 304
        result = run_archiver(home, "crawl", "--urls", str(url_file), "-s", "ROBOTSTXT_OBEY=False", *extra)
        assert result.returncode == 0, result.stdout + result.stderr
    records = http_records(home)
    for path in paths:
        first, again = records[sites[0].rstrip("/") + path]
        first.split(expected_head(path))  # /odd and /chunked: one of them a revisit of the other
        assert again.record_type == "revisit"
    etag_first, not_modified = records[sites[0].rstrip("/") + "/etag"]
    assert not_modified.header("WARC-Profile").endswith("/server-not-modified")
    assert not_modified.block == ETAG_NOT_MODIFIED.head  # the 304's head, byte for byte
    assert not_modified.header("WARC-Refers-To") == etag_first.header("WARC-Record-ID")


def test_head_answers_keep_their_heads_whole(sites, tmp_path) -> None:
    home = tmp_path / "archive"
    urls = [base.rstrip("/") + path for base in sites for path in ("/odd", "/chunked")]
    done = subprocess.run(module_command("support.head_crawl", str(home), *urls), env=support_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    records = http_records(home)
    for url in urls:
        (record,) = records[url]
        path = "/" + url.split("/", 3)[3]
        # Nothing was de-chunked: even the Transfer-Encoding line stays.
        assert record.block == ANSWERS[path].head, url
        assert record.header("Archiver-Transfer-Decoded") is None


def test_pywb_replays_every_article_from_the_stored_heads(archived, sites, tmp_path) -> None:
    home, results, _records = archived
    [warc] = sorted((home / "warcs").glob("*.warc.gz"))
    try:
        with pywb_collection(tmp_path / "pywb", warc, name="raw") as base:
            for path in ARTICLES:
                page = results[sites[0].rstrip("/") + path]
                when = page["fetched_at"][:19].replace("-", "").replace("T", "").replace(":", "")
                url = f"{base}/raw/{when}id_/{page['url']}"
                with urllib.request.urlopen(url, timeout=60) as response:
                    assert response.status == 200, path
                    replayed = response.read()
                entity = ANSWERS[path].entity
                assert replayed == (gzip.decompress(entity) if path == "/gzip" else entity), path
    except ToolUnavailable as exc:
        pytest.skip(f"pywb could not be installed in its own venv: {exc}")


def test_with_scrapys_own_handler_heads_are_rebuilt_and_marked(sites, tmp_path) -> None:
    home = tmp_path / "archive"
    scrapys = '{"http": "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"}'
    url = sites[0].rstrip("/") + "/odd"
    result = run_archiver(home, "archive", "-s", f"DOWNLOAD_HANDLERS={scrapys}", url)
    assert result.returncode == 0, result.stderr
    assert "was not recorded as received" in result.stderr
    (record,) = http_records(home)[url]
    assert record.header("Archiver-Http-Head") == "rebuilt"
    assert record.block.startswith(b"HTTP/1.0 200 OK\r\n")  # the reason phrase is the standard one
    assert record.split(record.block[:record.block.index(b"\r\n\r\n") + 4]) == ANSWERS["/odd"].entity
