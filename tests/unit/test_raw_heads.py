"""Response heads as received, in process: what is stored of a raw head, and how the capture hands it on."""

from __future__ import annotations

import gzip
from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from support.warc_samples import HTML, request
from warcio.archiveiterator import ArchiveIterator

from archiver.crawler.capture.exchange import take_raw_head, to_http_response
from archiver.crawler.download_handler import RAW_HEAD_KEY
from storage.warc import HttpResponse, WarcWriter
from storage.warc.http import reads_back, split_status_line, stored_head

CHUNKED_HEAD = (b"HTTP/1.1 200 Fine\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
                b"  , more\r\nX-Last:  kept \r\n\r\n")


def blocks(path: Path) -> list[tuple[dict[str, str], bytes]]:
    with path.open("rb") as handle:
        return [({k: v for k, v in r.rec_headers.headers}, r.raw_stream.read())
                for r in ArchiveIterator(handle, no_record_parse=True) if r.rec_type == "response"]


def write_one(tmp_path: Path, response: HttpResponse, method: str = "GET") -> tuple[dict[str, str], bytes]:
    with WarcWriter(tmp_path, fsync_interval=0) as writer:
        req = request()
        if method != "GET":
            req = type(req)(method, req.target, req.headers)
        writer.write_exchange("http://news.example/story", req, response)
    [path] = writer.closed_files
    [found] = blocks(path)
    return found


def test_only_the_transfer_encoding_lines_leave_a_raw_head() -> None:
    head, removed = stored_head(CHUNKED_HEAD)
    assert head == b"HTTP/1.1 200 Fine\r\nContent-Type: text/html\r\nX-Last:  kept \r\n\r\n"
    assert removed == ["chunked , more"]
    lf_only = b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\nA: b\n\n"
    assert stored_head(lf_only) == (b"HTTP/1.1 200 OK\nA: b\n\n", ["chunked"])
    # A name with a space before the colon is not the header Twisted de-chunks by: it stays.
    odd = b"HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n"
    assert stored_head(odd) == (odd, [])


def test_a_head_readers_would_end_early_is_rebuilt(tmp_path: Path) -> None:
    ambiguous = b"HTTP/1.1 200 OK\r\nA: b\r\n  \r\nC: d\r\n\r\n"  # a continuation line of spaces only
    assert not reads_back(ambiguous) and reads_back(CHUNKED_HEAD)
    fields, block = write_one(tmp_path, HttpResponse(200, [("A", "b"), ("C", "d")], HTML, raw_head=ambiguous))
    assert fields["Archiver-Http-Head"] == "rebuilt"
    assert block.endswith(b"\r\n\r\n" + HTML) and block.count(b"\r\n\r\n") == 1


def test_status_lines_are_split_as_sent() -> None:
    assert split_status_line(b"HTTP/1.0 200 Fine Thanks\r\n\r\n") == ("HTTP/1.0", 200, "Fine Thanks")
    assert split_status_line(b"HTTP/1.1 204\r\n\r\n") == ("HTTP/1.1", 204, "")
    assert split_status_line(b"garbage\r\n\r\n") is None


def test_the_writer_stores_the_raw_head_and_says_what_it_left_out(tmp_path: Path) -> None:
    body = gzip.compress(HTML, mtime=0)
    response = HttpResponse(200, [("Content-Type", "text/html")], body, raw_head=CHUNKED_HEAD)
    fields, block = write_one(tmp_path, response)
    assert block == stored_head(CHUNKED_HEAD)[0] + body  # no Content-Length added
    assert fields["Archiver-Transfer-Decoded"] == "chunked , more"
    assert "Archiver-Http-Head" not in fields


def test_a_head_or_304_answer_keeps_its_head_whole(tmp_path: Path) -> None:
    head = b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\nETag: \"x\"\r\n\r\n"
    fields, block = write_one(tmp_path / "304", HttpResponse(304, [], b"", raw_head=head))
    assert block == head and "Archiver-Transfer-Decoded" not in fields
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nTransfer-Encoding: chunked\r\n\r\n"
    fields, block = write_one(tmp_path / "head", HttpResponse(200, [], b"", raw_head=head), method="HEAD")
    assert block == head


def test_without_a_raw_head_the_head_is_rebuilt_and_marked(tmp_path: Path) -> None:
    response = HttpResponse(200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")], HTML)
    fields, block = write_one(tmp_path, response)
    assert fields["Archiver-Http-Head"] == "rebuilt"
    assert block.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n" % len(HTML))


def test_http2_is_written_as_http11_with_its_protocol_named(tmp_path: Path) -> None:
    response = HttpResponse(200, [("content-type", "text/html")], HTML, protocol="h2")
    fields, block = write_one(tmp_path, response)
    assert block.startswith(b"HTTP/1.1 200 OK\r\n")
    assert fields["WARC-Protocol"] == "h2" and fields["Archiver-Http-Head"] == "rebuilt"


def test_the_capture_uses_a_raw_head_only_for_its_own_response() -> None:
    req = Request("http://news.example/story", meta={RAW_HEAD_KEY: b"HTTP/1.0 200 Fine Thanks\r\nA: b\r\n\r\n"})
    raw = take_raw_head(req)
    assert RAW_HEAD_KEY not in req.meta  # a redirect or retry copies meta: it must not carry this on
    response = HtmlResponse("http://news.example/story", status=200, body=HTML, protocol="HTTP/1.0")
    built = to_http_response(response, raw)
    assert built.raw_head == raw and built.reason == "Fine Thanks" and built.protocol == "HTTP/1.0"
    other = HtmlResponse("http://news.example/story", status=404, body=b"", protocol="HTTP/1.1")
    assert to_http_response(other, raw).raw_head is None  # a head of another answer is not used
    assert to_http_response(response, None).raw_head is None


def test_warcio_reads_a_stored_raw_head(tmp_path: Path) -> None:
    response = HttpResponse(200, [], HTML, raw_head=b"HTTP/1.1 200 Okay Then\nContent-Type: text/html\n\n")
    with WarcWriter(tmp_path, fsync_interval=0) as writer:
        writer.write_exchange("http://news.example/story", request(), response)
    [path] = writer.closed_files
    with path.open("rb") as handle:
        record = next(r for r in ArchiveIterator(handle) if r.rec_type == "response")
        assert record.http_headers.get_statuscode() == "200"
        assert record.http_headers.get_header("Content-Type") == "text/html"
        assert record.content_stream().read() == HTML


def test_an_http2_response_reaches_the_writer_with_its_protocol() -> None:
    response = HtmlResponse("https://news.example/story", status=200, body=HTML, protocol="h2")
    built = to_http_response(response, None)
    assert built.protocol == "h2" and built.raw_head is None
