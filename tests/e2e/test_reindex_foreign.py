"""Archives other tools wrote, read in; and our files read by another reader (FastWARC).

wget's WARCs (gzipped and plain) of a 13-page fixture site, a whole-file gzip, ARC and ARC.gz
made by hand, an lz4 file and random bytes, a WARC of ``resource`` records: each is either
catalogued (then searched, verified, exported) or refused with one line and exit 2.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import json_lines, run_archiver, tool
from support.crawl_site import RunningCrawlSite, article_title, running_crawl_site
from support.foreign_files import ARC_PAGES, html_page, lz4_bytes, warc_with_resources, wget_warc, write_arc
from support.tool_venvs import ToolUnavailable, tool_venv

from storage.warc import iter_records, read_record
from storage.warc.formats import sniff

ARTICLES = 12


@pytest.fixture(scope="module")
def news_site() -> Iterator[RunningCrawlSite]:
    with running_crawl_site("--articles", str(ARTICLES)) as site:
        yield site


def _pages(site: RunningCrawlSite) -> list[str]:
    return [site.url, *(site.article_url(i) for i in range(ARTICLES))]


def _reindex(home: Path, *files: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    result = run_archiver(home, "reindex", "--json", *map(str, files))
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout) if result.returncode == 0 else {}


def _verified(home: Path, *options: str) -> None:
    result = run_archiver(home, "verify", "--json", *options)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"], report["problems"]


def _warcio_check(path: Path) -> None:
    result = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("plain", [False, True], ids=["warc.gz", "no-warc-compression"])
def test_wget_warc_is_catalogued_searched_verified_and_exported(news_site, tmp_path: Path, plain: bool) -> None:
    warc = wget_warc(tmp_path, "site", _pages(news_site), *(["--no-warc-compression"] if plain else []))
    home = tmp_path / "archive"
    result, summary = _reindex(home, warc)
    assert result.returncode == 0, result.stderr
    assert summary["problems"] == [] and summary["captures_added"] == len(_pages(news_site))
    assert summary["articles_added"] >= ARTICLES

    hits = json_lines(run_archiver(home, "search", "council budget", "--limit", "100", "--json").stdout)
    assert {hit["url"] for hit in hits} >= {news_site.article_url(i) for i in range(ARTICLES)}
    for i in (0, ARTICLES - 1):
        found = json_lines(run_archiver(home, "search", f'"{article_title(i)}"', "--json").stdout)
        [hit] = [h for h in found if h["url"] == news_site.article_url(i)]
        # The catalogued place is one whole record, blank lines included, read by one seek.
        record = read_record(home / "warcs" / hit["warc_file"], hit["warc_offset"], expected_length=hit["warc_length"])
        assert record.target_uri == news_site.article_url(i) and record.record_type == "response"
    _verified(home, "--deep")

    out = tmp_path / "export.warc.gz"
    assert run_archiver(home, "export", "--format", "warc", "-o", str(out)).returncode == 0
    _warcio_check(out)
    wget_responses = {r.record_id for r in iter_records(warc) if r.record_type == "response"
                      and r.target_uri != news_site.url}
    assert wget_responses <= {r.record_id for r in iter_records(out)}


def test_show_of_a_revisit_prints_the_article_of_its_original(news_site, tmp_path: Path) -> None:
    pages = _pages(news_site)
    first = wget_warc(tmp_path, "first", pages, "--warc-cdx")
    second = wget_warc(tmp_path, "second", pages, f"--warc-dedup={tmp_path / 'first.cdx'}", "--no-warc-compression")
    assert {r.record_type for r in iter_records(second)} >= {"revisit"}
    home = tmp_path / "archive"
    result, summary = _reindex(home, first, second)
    assert result.returncode == 0 and summary["captures_added"] == 2 * len(pages), result.stderr
    url = news_site.article_url(3)
    latest = json.loads(run_archiver(home, "show", url, "--json").stdout)
    assert latest["record_type"] == "revisit" and latest["title"] == article_title(3)
    text = run_archiver(home, "show", url).stdout
    assert article_title(3) in text and "Paragraph 0 of story 3" in text and "(no article text)" not in text
    _verified(home)  # not --deep: wget 1.21 writes a wrong WARC-Block-Digest on its revisit records


def _whole_gzip(site: RunningCrawlSite, tmp_path: Path) -> Path:
    plain = wget_warc(tmp_path, "whole", _pages(site), "--no-warc-compression")
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return whole


def test_whole_file_gzip_is_repacked_and_catalogued(news_site, tmp_path: Path) -> None:
    whole = _whole_gzip(news_site, tmp_path)
    assert sniff(whole).whole_file_gzip
    home = tmp_path / "archive"
    result, summary = _reindex(home, whole)
    assert result.returncode == 0 and summary["captures_added"] == len(_pages(news_site)), result.stderr
    inside = home / "warcs" / "whole.warc.gz"
    assert not sniff(inside).whole_file_gzip  # one gzip member per record now
    assert [p.name for p in (home / "warcs").iterdir() if not p.name.startswith("ARCHIVER-")] == ["whole.warc.gz"]
    _warcio_check(inside)
    _verified(home, "--deep")
    again, summary = _reindex(home, whole)  # idempotent: the repacked copy is the same
    assert again.returncode == 0 and summary["captures_added"] == 0
    dropped = home / "warcs" / "dropped.warc.gz"  # one put straight into the archive is repacked in place
    records = gzip.decompress(inside.read_bytes())  # the same records under new ids, in one gzip stream
    dropped.write_bytes(gzip.compress(records.replace(b"WARC-Record-ID: <urn:uuid:", b"WARC-Record-ID: <urn:uuid:d")))
    assert sniff(dropped).whole_file_gzip
    result, summary = _reindex(home)
    assert result.returncode == 0 and summary["captures_added"] == len(_pages(news_site)), result.stderr
    assert not sniff(dropped).whole_file_gzip


def test_damaged_whole_file_gzip_keeps_the_good_records_and_names_the_damage(news_site, tmp_path: Path) -> None:
    whole = _whole_gzip(news_site, tmp_path)
    data = whole.read_bytes()
    whole.write_bytes(data[: len(data) // 2])
    home = tmp_path / "archive"
    result, summary = _reindex(home, whole)
    assert result.returncode == 0, result.stderr
    assert 1 <= summary["captures_added"] < len(_pages(news_site))
    assert summary["problems"] and all("whole.warc.gz" in p for p in summary["problems"])
    _verified(home, "--deep")


@pytest.mark.parametrize("gzipped", [False, True], ids=["arc", "arc.gz"])
def test_arc_file_is_catalogued_with_its_records_offsets(tmp_path: Path, gzipped: bool) -> None:
    arc = tmp_path / ("old-crawl.arc.gz" if gzipped else "old-crawl.arc")
    offsets = write_arc(arc, gzipped=gzipped)
    home = tmp_path / "archive"
    result, summary = _reindex(home, arc)
    assert result.returncode == 0, result.stderr
    assert summary["captures_added"] == len(ARC_PAGES) and summary["articles_added"] == len(ARC_PAGES)
    for i, ((url, title), offset) in enumerate(zip(ARC_PAGES, offsets[1:], strict=True)):
        shown = json.loads(run_archiver(home, "show", url, "--json").stdout)
        assert (shown["title"], shown["warc_file"], shown["warc_offset"]) == (title, arc.name, offset)
        assert shown["fetched_at"].startswith("2005-01-01T12:00:0")
        assert run_archiver(home, "get", url, text=False).stdout == html_page(title, f"ferry {i}")
    _verified(home, "--deep")
    again, summary = _reindex(home)  # the archive's own ARC file is found again, nothing added
    assert again.returncode == 0 and summary["captures_added"] == 0
    out = tmp_path / "export.warc.gz"  # an export is WARC: the ARC records are written as WARC records
    assert run_archiver(home, "export", "--format", "warc", "-o", str(out)).returncode == 0
    _warcio_check(out)
    exported = {r.target_uri: r for r in iter_records(out) if r.record_type == "response"}
    assert set(exported) == {url for url, _ in ARC_PAGES}
    for record in exported.values():
        assert record.header("WARC-Block-Digest") and record.header("WARC-Payload-Digest")
        original = read_record(arc, offsets[1 + [u for u, _ in ARC_PAGES].index(record.target_uri)])
        assert (record.record_id, record.payload, record.http_status) == (
            original.record_id, original.payload, 200)


@pytest.mark.parametrize(("name", "data", "words"), [
    ("pages.warc.lz4", lz4_bytes(b"WARC/1.1\r\nWARC-Type: warcinfo\r\n" * 8), "LZ4"),
    ("random.warc.gz", bytes((i * 7919) % 251 for i in range(5000)), "not a WARC or ARC file"),
], ids=["lz4", "random"])
def test_unreadable_file_gives_one_clear_line_and_exit_2(tmp_path: Path, name: str, data: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    home = tmp_path / "archive"
    result, _ = _reindex(home, path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and words in lines[0], result.stderr
    warcs = home / "warcs"
    assert not warcs.exists() or not any(warcs.iterdir())  # nothing was copied in


def test_resource_records_are_captures(tmp_path: Path) -> None:
    page = html_page("Lighthouse keeper retires after forty years", "lighthouse")
    warc = tmp_path / "stored.warc.gz"
    warc_with_resources(warc, [("https://files.example/keeper.html", "text/html; charset=utf-8", page),
                               ("urn:screenshot:https://files.example/keeper.html", "image/png", b"\x89PNG\r\n")])
    home = tmp_path / "archive"
    result, summary = _reindex(home, warc)
    assert result.returncode == 0 and summary["captures_added"] == 2, result.stderr  # the resource + a response
    shown = json.loads(run_archiver(home, "show", "https://files.example/keeper.html", "--json").stdout)
    assert shown["record_type"] == "resource" and shown["content_type"] == "text/html; charset=utf-8"
    assert shown["title"] == "Lighthouse keeper retires after forty years"
    assert run_archiver(home, "get", "https://files.example/keeper.html", text=False).stdout == page
    [hit] = json_lines(run_archiver(home, "search", "lighthouse keeper", "--json").stdout)
    assert hit["url"] == "https://files.example/keeper.html"
    again = run_archiver(home, "reextract", "--url", "https://files.example/keeper.html", "--json")
    assert again.returncode == 0 and json.loads(again.stdout)["captures"] == 1, again.stdout + again.stderr
    _verified(home, "--deep")
    out = tmp_path / "export.warc.gz"
    assert run_archiver(home, "export", "--format", "warc", "-o", str(out)).returncode == 0
    _warcio_check(out)
    stored = read_record(home / "warcs" / shown["warc_file"], shown["warc_offset"])
    assert stored.record_type == "resource" and stored.record_id in {r.record_id for r in iter_records(out)}


# FastWARC checks a payload digest only with the HTTP head parsed, and a block digest only
# without: two passes. Payload digests are checked on response records only: FastWARC also
# "fails" those of revisit, conversion and metadata records, whoever wrote them (FIELD-NOTES.md).
FASTWARC_READ = textwrap.dedent(
    """
    import json, sys
    from fastwarc.warc import ArchiveIterator, WarcRecordType
    with open(sys.argv[1], "rb") as handle:
        payloads = {record.record_id: record.verify_payload_digest()
                    for record in ArchiveIterator(handle, record_types=WarcRecordType.response, parse_http=True)}
    with open(sys.argv[1], "rb") as handle:
        for record in ArchiveIterator(handle, record_types=WarcRecordType.any_type, parse_http=False):
            print(json.dumps({"id": record.record_id, "type": record.headers.get("WARC-Type"),
                              "offset": record.stream_pos, "block": record.verify_block_digest(),
                              "payload": payloads.get(record.record_id)}))
    """
)


def test_fastwarc_reads_every_record_of_our_files_and_their_digests_match(news_site, tmp_path: Path) -> None:
    try:
        bindir = tool_venv("fastwarc", ["resiliparse"])
    except ToolUnavailable as exc:
        pytest.skip(f"FastWARC (resiliparse) could not be installed in its own venv: {exc}")
    home = tmp_path / "archive"
    urls = [news_site.article_url(i) for i in range(4)]
    for _ in range(2):  # the second time: revisits
        assert run_archiver(home, "archive", *urls).returncode == 0
    files = sorted((home / "warcs").glob("*.warc.gz"))
    types: set[str] = set()
    for path in files:
        ours = [(r.record_id, r.record_type, r.offset) for r in iter_records(path)]
        read = subprocess.run([str(bindir / "python"), "-c", FASTWARC_READ, str(path)], capture_output=True,
                              text=True, timeout=120)
        assert read.returncode == 0, read.stderr
        theirs = json_lines(read.stdout)
        assert [(r["id"], r["type"], r["offset"]) for r in theirs] == ours
        assert all(r["block"] for r in theirs), [r for r in theirs if not r["block"]]
        assert all(r["payload"] is True for r in theirs if r["type"] == "response")
        check = subprocess.run([str(bindir / "fastwarc"), "check", "-q", str(path)], capture_output=True, text=True,
                               timeout=120)
        assert check.returncode == 0, check.stdout + check.stderr
        types |= {r["type"] for r in theirs}
    assert types >= {"warcinfo", "request", "response", "revisit", "conversion", "metadata"}
