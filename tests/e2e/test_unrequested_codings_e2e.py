"""A server that sends br or zstd although we asked only for gzip and deflate (issue 19, item 3).

The exchange is recorded byte for byte (payload as sent); a ``Content-Encoding: br`` head line is
stored renamed (``X-Archive-Orig-Content-Encoding``, named in ``Archiver-Renamed-Headers``) so
that ``warcio check`` does not crash on the file; our reader gives the head back as received.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
from pathlib import Path

import brotli
import pytest
from support.bomb_site import PAGE, PAGE_TITLE, running_bomb_site, zstd_raw_frame
from support.cli import json_lines, run_archiver, tool

from storage.warc import iter_records, read_record


@pytest.fixture(scope="module")
def archived(tmp_path_factory) -> tuple[Path, dict[str, dict]]:
    home = tmp_path_factory.mktemp("codings") / "archive"
    with running_bomb_site() as site:
        done = run_archiver(home, "archive", "--json", site + "br-page", site + "zstd-page")
    assert "Traceback" not in done.stderr, done.stderr
    return home, {r["url"].rsplit("/", 1)[1]: r for r in json_lines(done.stdout)}


def warc_files(home: Path) -> list[Path]:
    return sorted((home / "warcs").glob("*.warc.gz"))


def test_warcio_check_passes_on_the_file(archived) -> None:
    home, _ = archived
    for path in warc_files(home):
        check = subprocess.run([tool("warcio"), "check", "-v", str(path)], capture_output=True, text=True,
                               timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "Traceback" not in check.stderr


def test_verify_deep_passes(archived) -> None:
    home, _ = archived
    done = run_archiver(home, "verify", "--deep", "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["ok"], done.stdout + done.stderr


def test_we_asked_only_for_gzip_and_deflate(archived) -> None:
    home, _ = archived
    requests = [r for path in warc_files(home) for r in iter_records(path) if r.record_type == "request"]
    assert requests and all(r.http_header("Accept-Encoding") == "gzip, deflate" for r in requests)


def test_the_br_record_is_renamed_in_the_warc_and_restored_by_our_reader(archived) -> None:
    home, results = archived
    result = results["br-page"]
    path = home / "warcs" / result["warc_file"]
    record = read_record(path, result["warc_offset"], expected_length=result["warc_length"])
    assert record.header("Archiver-Renamed-Headers") == "Content-Encoding"
    assert record.http_header("Content-Encoding") == "br"  # restored
    assert b"Content-Encoding: br\r\n" in record.http_head
    assert record.payload == brotli.compress(PAGE)  # byte for byte
    with open(path, "rb") as handle:  # what other readers see
        handle.seek(result["warc_offset"])
        stored = gzip.decompress(handle.read(result["warc_length"]))
    assert b"\r\nX-Archive-Orig-Content-Encoding: br\r\n" in stored
    assert b"\r\nContent-Encoding: br" not in stored
    assert result["title"] == PAGE_TITLE


def test_get_decoded_gives_the_br_body_and_get_headers_the_head_as_received(archived) -> None:
    home, results = archived
    decoded = run_archiver(home, "get", str(results["br-page"]["id"]), "--decoded", text=False)
    assert decoded.returncode == 0 and decoded.stdout == PAGE
    headers = run_archiver(home, "get", str(results["br-page"]["id"]), "--headers", text=False)
    assert b"\r\nContent-Encoding: br\r\n" in headers.stdout and b"X-Archive-Orig" not in headers.stdout


def test_zstd_is_kept_as_sent_and_get_decoded_gives_the_body_or_one_clear_line(archived) -> None:
    home, results = archived
    result = results["zstd-page"]
    record = read_record(home / "warcs" / result["warc_file"], result["warc_offset"])
    assert record.http_header("Content-Encoding") == "zstd" and record.header("Archiver-Renamed-Headers") is None
    assert hashlib.sha1(record.payload).digest() == hashlib.sha1(zstd_raw_frame(PAGE)).digest()
    decoded = run_archiver(home, "get", str(result["id"]), "--decoded", text=False)
    if decoded.returncode == 0:  # the zstandard module is installed
        assert decoded.stdout == PAGE
    else:
        message = decoded.stderr.decode().strip()
        assert decoded.returncode == 1 and len(message.splitlines()) == 1, message
        assert "no decoder for the content coding 'zstd'" in message and "Traceback" not in message
