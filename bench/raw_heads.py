#!/usr/bin/env python3
"""Benchmark the cost of recording response heads as received (archiver.crawler.download_handler).

    python bench/raw_heads.py [--responses N] [--rounds 5]

Feeds one typical response head (status line and 14 header lines, ~600 bytes) and a 20 KB
body to Twisted's response parser as Scrapy's handler uses it, N times, with and without the
head tap mixed in, and prints microseconds per response for each (best of --rounds) and the
difference; the rounds alternate the two. In process, no network: it measures the tap alone,
not a crawl. Asserts nothing.
"""

from __future__ import annotations

import argparse
import time

from scrapy.core.downloader.handlers.http11 import _LenientHTTPClientParser
from twisted.web._newclient import Request
from twisted.web.http_headers import Headers

from archiver.crawler.download_handler import _ParserTap, _with

HEAD = (b"HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 17:00:00 GMT\r\nServer: nginx/1.25.3\r\n"
        b"Content-Type: text/html; charset=utf-8\r\nContent-Length: 20000\r\nConnection: keep-alive\r\n"
        b"Vary: Accept-Encoding\r\nCache-Control: max-age=300, public\r\nETag: \"64f1c2a9-4e20\"\r\n"
        b"Last-Modified: Fri, 04 Dec 2026 16:55:00 GMT\r\nX-Frame-Options: SAMEORIGIN\r\n"
        b"Set-Cookie: session=abcdef0123456789; Path=/; HttpOnly\r\nSet-Cookie: consent=0; Path=/\r\n"
        b"Strict-Transport-Security: max-age=31536000\r\nX-Cache: HIT\r\n\r\n")
BODY = b"x" * 20000


class _Transport:
    disconnecting = False

    def pauseProducing(self) -> None:  # noqa: N802
        pass

    def resumeProducing(self) -> None:  # noqa: N802
        pass


def run(parser_class: type, count: int) -> float:
    request = Request(b"GET", b"/", Headers(), None)
    start = time.perf_counter()
    for _ in range(count):
        parser = _LenientHTTPClientParser(request, lambda rest: None)
        parser.makeConnection(_Transport())
        parser.__class__ = parser_class
        parser._archiver_lines = []
        parser.dataReceived(HEAD + BODY)
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--responses", type=int, default=20000)
    options.add_argument("--rounds", type=int, default=5)
    args = options.parse_args()
    tapped = _with(_ParserTap, _LenientHTTPClientParser)
    plain, tap = float("inf"), float("inf")
    for _ in range(args.rounds):  # alternated, so that the machine's drift hits both alike
        plain = min(plain, run(_LenientHTTPClientParser, args.responses))
        tap = min(tap, run(tapped, args.responses))
    print(f"Scrapy's parser: {plain:.1f} us per response; with the head tap: {tap:.1f} us "
          f"(+{tap - plain:.1f} us, {100 * (tap - plain) / plain:+.0f}%)")


if __name__ == "__main__":
    main()
