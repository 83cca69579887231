"""Sample HTTP exchanges for WARC tests."""

from __future__ import annotations

import gzip
from pathlib import Path

from storage.warc import HttpRequest, HttpResponse, RevisitTarget, WarcWriter

HTML = "<html><head><title>Hello</title></head><body><p>Привет, world</p></body></html>".encode()
GZIP_BODY = gzip.compress(HTML, mtime=0)


def request(path: str = "/story", host: str = "news.example") -> HttpRequest:
    """A GET as a browser-like client sends it."""
    return HttpRequest(
        "GET", path,
        [("Accept", "text/html"), ("Accept-Encoding", "gzip, deflate"), ("User-Agent", "test/1.0"), ("Host", host)],
    )


def gzip_response(body: bytes = GZIP_BODY) -> HttpResponse:
    """A gzip-encoded HTML response that came in chunked."""
    return HttpResponse(
        200,
        [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
         ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        body,
    )


def write_sample_file(directory: Path) -> tuple[Path, dict]:
    """A closed WARC file in ``directory``: a response, a revisit of it at another URL, a conversion record."""
    with WarcWriter(directory, warcinfo={"isPartOf": "sample", "robots": "obey"}, fsync_interval=0) as writer:
        first = writer.write_exchange("http://news.example/story", request(), gzip_response(), ip_address="127.0.0.1")
        again = writer.write_exchange(
            "http://news.example/copy", request("/copy"), gzip_response(),
            revisit_of=RevisitTarget(first.response.target_uri, first.response.date, first.response.record_id),
        )
        conversion = writer.write_record(
            "conversion", "http://news.example/story", "Привет, world".encode(),
            content_type="text/plain; charset=utf-8", refers_to=first.response.record_id,
        )
    [path] = writer.closed_files
    return path, {"first": first, "again": again, "conversion": conversion}
