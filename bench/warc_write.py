"""Benchmark the WARC writer and the archive path: records per second and MB/s.

    python bench/warc_write.py [--records N] [--size BYTES]

Prints figures; asserts nothing. Two runs: the bare WarcWriter (request + response pairs), and
Archive.record_exchange (WARC + catalogue row + dedup lookup) on a SQLite catalogue.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from storage import Archive, StorageConfig
from storage.warc import HttpRequest, HttpResponse, WarcWriter


def _pages(count: int, size: int) -> list[bytes]:
    rng = random.Random(1)
    words = [bytes(rng.choices(range(97, 123), k=rng.randint(2, 9))) for _ in range(2000)]
    pages = []
    for i in range(count):
        body = b" ".join(rng.choices(words, k=size // 6))[:size]
        pages.append(b"<html><body><p>%d</p>" % i + body + b"</body></html>")
    return pages


def _exchange(i: int, body: bytes) -> tuple[str, HttpRequest, HttpResponse]:
    url = f"http://news.example/story/{i}"
    request = HttpRequest("GET", f"/story/{i}", [("User-Agent", "bench"), ("Host", "news.example")])
    response = HttpResponse(200, [("Content-Type", "text/html; charset=utf-8")], body)
    return url, request, response


def bench_writer(pages: list[bytes], directory: Path) -> tuple[float, int]:
    started = time.perf_counter()
    with WarcWriter(directory, fsync_interval=5) as writer:
        for i, body in enumerate(pages):
            writer.write_exchange(*_exchange(i, body))
    elapsed = time.perf_counter() - started
    return elapsed, sum(p.stat().st_size for p in directory.glob("*.warc.gz"))


def bench_archive(pages: list[bytes], home: Path) -> float:
    config = StorageConfig.from_env({}, home=home)
    started = time.perf_counter()
    with Archive(config) as archive:
        for i, body in enumerate(pages):
            archive.record_exchange(*_exchange(i, body))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--size", type=int, default=100_000, help="bytes of HTML per page")
    args = parser.parse_args()
    pages = _pages(args.records, args.size)
    raw_mb = sum(map(len, pages)) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        elapsed, written = bench_writer(pages, Path(tmp) / "w")
        print(f"WarcWriter:     {args.records} exchanges, {raw_mb:.1f} MB in {elapsed:.2f} s -> "
              f"{args.records / elapsed:.0f} exchanges/s, {raw_mb / elapsed:.1f} MB/s "
              f"(gzip ratio {written / 1e6 / raw_mb:.2f})")
        elapsed = bench_archive(pages, Path(tmp) / "a")
        print(f"Archive (WARC + SQLite row): {args.records / elapsed:.0f} exchanges/s, {raw_mb / elapsed:.1f} MB/s")


if __name__ == "__main__":
    main()
