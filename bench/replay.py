#!/usr/bin/env python3
"""Benchmark replay's two costs per request: rewriting a page, and finding the nearest capture of a URL.

    python bench/replay.py [--images 30] [--padding 100000] [--captures 2000] [--lookups 500]

1. ``rewrite``: :func:`archiver.services.replay.html.rewrite_html` on a crawl-site article
   (tests/support/crawl_site.py, ``--padding`` bytes of page furniture) with ``--images`` images
   (``src`` + ``srcset``), a lazy image, a stylesheet link and a ``<style>`` block: ms per page.
2. ``nearest``: ``Catalogue.nearest_capture`` on a temporary SQLite archive, for a URL with one
   capture and for one with ``--captures`` captures (a logo fetched on every crawl): ms per lookup.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.crawl_site import Site  # noqa: E402

from archiver.services.replay.html import rewrite_html  # noqa: E402
from storage import Archive, StorageConfig  # noqa: E402
from storage.warc import HttpRequest, HttpResponse  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def page(images: int, padding: int) -> str:
    html = Site(1, padding).article_html(0).decode()
    figures = "".join(f'<figure><img src="/img/{n}.jpg" srcset="/img/{n}.jpg 1x, /img/{n}@2x.jpg 2x" '
                      f'alt="photo {n}"></figure>' for n in range(images))
    extra = ('<link rel="stylesheet" href="/css/site.css"><style>.hero{background:url(/img/hero.jpg)}</style>'
             '<img data-src="/img/lazy.jpg" src="data:image/gif;base64,R0lGODlh">')
    return html.replace("</article>", figures + extra + "</article>")


def bench_rewrite(images: int, padding: int) -> None:
    html = page(images, padding)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        rewrite_html(html, "https://news.example/2026/11/01/story", lambda url: "/replay/20261101000000mp_/" + url)
        times.append(time.perf_counter() - start)
    print(f"rewrite: {len(html):,} chars, {images} images: {statistics.median(times) * 1000:.2f} ms/page (median)")


def bench_nearest(captures: int, lookups: int) -> None:
    with tempfile.TemporaryDirectory() as home, \
            Archive(StorageConfig.from_env({}, home=Path(home), fsync_interval=0.0)) as archive:
        def store(url: str, n: int) -> None:
            request = HttpRequest("GET", "/" + url.rsplit("/", 1)[1], [("Host", "cdn.example")])
            archive.record_exchange(url, request, HttpResponse(200, [("Content-Type", "image/png")], b"x%d" % (n % 50)),
                                    fetched_at=T0 + timedelta(minutes=n))
        for n in range(captures):
            store("http://cdn.example/logo.png", n)
        store("http://cdn.example/once.png", captures // 2)
        for url, count in (("http://cdn.example/once.png", 1), ("http://cdn.example/logo.png", captures)):
            start = time.perf_counter()
            for n in range(lookups):
                archive.catalogue.nearest_capture(url, T0 + timedelta(minutes=(n * 7) % captures, seconds=30))
            elapsed = (time.perf_counter() - start) / lookups
            print(f"nearest: URL with {count} capture(s): {elapsed * 1000:.2f} ms/lookup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=30)
    parser.add_argument("--padding", type=int, default=100_000)
    parser.add_argument("--captures", type=int, default=2000)
    parser.add_argument("--lookups", type=int, default=500)
    args = parser.parse_args()
    bench_rewrite(args.images, args.padding)
    bench_nearest(args.captures, args.lookups)


if __name__ == "__main__":
    main()
