"""The WARC writer: valid WARC/1.1 that standard tools read, payloads byte-exact, rotation."""

from __future__ import annotations

import base64
import hashlib
import random
import re
from pathlib import Path

import pytest
from support.warc_samples import GZIP_BODY, HTML, gzip_response, request, write_sample_file

from storage import WarcWriteError
from storage.warc import WarcWriter, decode_payload, iter_records, read_record
from storage.warc.http import HttpResponse

NAME_RE = re.compile(r"^ARCHIVER-\d{20}-\d{5}-[A-Za-z0-9._]+-\d+\.warc\.gz$")


def test_gzip_payload_is_byte_identical_at_reported_offset(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    loc = written["first"].response
    assert path.name == loc.filename
    record = read_record(path, loc.offset, expected_length=loc.length)
    assert record.record_type == "response"
    assert record.payload == GZIP_BODY
    assert record.http_header("Content-Encoding") == "gzip"
    expected = "sha1:" + base64.b32encode(hashlib.sha1(GZIP_BODY).digest()).decode()
    assert record.header("WARC-Payload-Digest") == expected == loc.payload_digest
    assert decode_payload(record) == HTML
    # Chunked framing is gone, and the length header tells the truth about the stored body.
    assert record.http_header("Transfer-Encoding") is None
    assert record.http_header("Content-Length") == str(len(GZIP_BODY))
    assert [v for k, v in record.http_headers if k == "Set-Cookie"] == ["a=1", "b=2"]


def test_record_headers(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    records = {r.record_id: r for r in iter_records(path)}
    warcinfo = next(r for r in records.values() if r.record_type == "warcinfo")
    assert b"isPartOf: sample" in warcinfo.payload and b"software: news-archiver" in warcinfo.payload
    assert b"format: WARC File Format 1.1" in warcinfo.payload

    response = records[written["first"].response.record_id]
    req = records[written["first"].request.record_id]
    assert response.header("WARC-IP-Address") == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", response.header("WARC-Date"))
    assert req.header("WARC-Concurrent-To") == response.record_id
    assert req.header("WARC-Date") == response.header("WARC-Date")
    for record in records.values():
        if record.record_type != "warcinfo":
            assert record.header("WARC-Warcinfo-ID") == warcinfo.record_id
            assert record.header("WARC-Block-Digest", ).startswith("sha1:")
    assert req.http_head.startswith(b"GET /story HTTP/1.1\r\n")

    revisit = records[written["again"].response.record_id]
    assert revisit.header("WARC-Profile") == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
    assert revisit.header("WARC-Refers-To-Target-URI") == "http://news.example/story"
    assert revisit.header("WARC-Refers-To") == response.record_id
    assert revisit.header("WARC-Refers-To-Date") == response.header("WARC-Date")
    assert revisit.header("WARC-Payload-Digest") == response.header("WARC-Payload-Digest")
    assert revisit.payload == b""  # headers only, payload stays in the original

    conversion = records[written["conversion"].record_id]
    assert conversion.header("WARC-Refers-To") == response.record_id
    assert conversion.header("Content-Type") == "text/plain; charset=utf-8"
    assert conversion.payload.decode() == "Привет, world"


def test_truncated_response_keeps_headers_and_is_marked(tmp_path: Path) -> None:
    cut = HttpResponse(200, [("Content-Type", "text/html"), ("Content-Length", "100000")], b"<html>partial")
    with WarcWriter(tmp_path, fsync_interval=0) as writer:
        loc = writer.write_exchange("http://news.example/big", request("/big"), cut, truncated="length")
    record = read_record(writer.closed_files[0], loc.response.offset)
    assert record.header("WARC-Truncated") == "length"
    assert record.http_header("Content-Length") == "100000"
    assert record.payload == b"<html>partial"


def test_rotation_gives_several_closed_files_each_starting_with_warcinfo(tmp_path: Path) -> None:
    body = bytes(range(256)) + random.Random(7).randbytes(4000)  # incompressible: fills files quickly
    with WarcWriter(tmp_path, max_size=20_000, fsync_interval=0) as writer:
        locations = [
            writer.write_exchange(f"http://news.example/{i}", request(f"/{i}"),
                                  HttpResponse(200, [("Content-Type", "application/octet-stream")], body + bytes([i])))
            for i in range(30)
        ]
    files = sorted(tmp_path.iterdir())
    assert len(files) >= 3
    assert not list(tmp_path.glob("*.open"))
    assert [f.name for f in files] == sorted(f.name for f in writer.closed_files)  # sortable by creation
    assert len({f.name for f in files}) == len(files)
    for path in files:
        assert NAME_RE.match(path.name), path.name
        records = list(iter_records(path))
        assert records[0].record_type == "warcinfo"
        assert records[0].header("WARC-Filename") == path.name
        # a request/response pair never straddles two files
        assert [r.record_type for r in records[1:]] == ["response", "request"] * ((len(records) - 1) // 2)
    for loc in locations:
        assert read_record(tmp_path / loc.response.filename, loc.response.offset).payload[:256] == bytes(range(256))


def test_open_file_is_named_open_until_closed(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, fsync_interval=0)
    loc = writer.write_exchange("http://news.example/a", request("/a"), gzip_response())
    assert writer.current_file is not None and writer.current_file.name == loc.response.filename + ".open"
    assert writer.current_file.exists() and not (tmp_path / loc.response.filename).exists()
    writer.close()
    assert (tmp_path / loc.response.filename).exists() and not list(tmp_path.glob("*.open"))


@pytest.mark.parametrize("url", ["", "   ", "http://bad url/"])
def test_bad_target_uri_is_a_storage_error(tmp_path: Path, url: str) -> None:
    with WarcWriter(tmp_path) as writer, pytest.raises(WarcWriteError, match="target URI"):
        writer.write_exchange(url, request(), gzip_response())


def test_unknown_truncation_reason_is_refused(tmp_path: Path) -> None:
    with WarcWriter(tmp_path) as writer, pytest.raises(WarcWriteError, match="WARC-Truncated"):
        writer.write_exchange("http://news.example/", request(), gzip_response(), truncated="bored")
