"""Sample HTTP exchanges for WARC tests."""

from __future__ import annotations

import gzip

from storage.warc import HttpRequest, HttpResponse

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
