"""Benchmark the silent-edit watch's per-capture cost: what a recapture adds to a crawl.

    python bench/watch.py [--pages 200]

Archives N seed-length articles of one site (through :class:`storage.Archive`: real WARC
records and catalogue rows, no crawl), then recaptures each: half unchanged (an identical
payload, a revisit), half with one sentence added. Times :func:`archiver.crawler.changes.record.note_capture`
(revisit plan lookup, previous article, the site's other pages for boilerplate, comparison,
change row) on the first captures and on the recaptures, and :func:`archiver.crawler.changes.compare.compare`
alone. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from support.catalogue_samples import add_article, seed_text  # noqa: E402

from archiver.crawler.changes.compare import Version, compare  # noqa: E402
from archiver.crawler.changes.record import note_capture  # noqa: E402
from storage import Archive, StorageConfig  # noqa: E402

POLICY = [3600.0, 21600.0, 86400.0, 604800.0]


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(len(ordered) * 0.95) - 1] if len(ordered) >= 20 else ordered[-1]
    return f"median {statistics.median(ordered) * 1000:.2f} ms, p95 {p95 * 1000:.2f} ms"


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    text = seed_text()
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        config = StorageConfig.from_env({}, home=Path(tmp) / "archive")
        with Archive(config) as archive:
            first, again = [], []
            for n in range(args.pages):
                url = f"https://news.example.com/2026/11/{n}"
                capture = add_article(archive, url, title=f"Story {n}", text=f"Story {n}.\n{text}", fetched_at=t0)
                start = time.perf_counter()
                note_capture(archive.catalogue, capture.id, policy=POLICY, now=t0)
                first.append(time.perf_counter() - start)
            changed = 0
            for n in range(args.pages):
                url = f"https://news.example.com/2026/11/{n}"
                body = f"Story {n}.\n{text}" + ("" if n % 2 else f"\nThe ministry corrected figure {n} on Tuesday.")
                capture = add_article(archive, url, title=f"Story {n}", text=body, fetched_at=t0 + timedelta(hours=1))
                start = time.perf_counter()
                changed += note_capture(archive.catalogue, capture.id, policy=POLICY, now=t0) is not None
                again.append(time.perf_counter() - start)
    old, new = Version(title="t", text=text), Version(title="t", text=text + "\nOne more sentence here.")
    runs = []
    for _ in range(50):
        start = time.perf_counter()
        compare(old, new)
        runs.append(time.perf_counter() - start)
    print(f"{args.pages} pages of {len(text.split())} words, SQLite")
    print(f"first capture (plan revisits):     {_ms(first)}")
    print(f"recapture (compare, maybe record): {_ms(again)}; {changed} change rows")
    print(f"compare() alone, one seed article: {_ms(runs)}")


if __name__ == "__main__":
    main()
