#!/usr/bin/env python3
"""Benchmark the screenshot step of ``archiver archive``: CPU and wall seconds per screenshot.

    python bench/screenshots.py [--pages 20] [--height 3000] [--images 6] [--rounds 3] [--json]

Builds an archive in a temporary directory with --pages archived pages (each: HTML --height
pixels tall, a shared stylesheet and --images PNG images of its own, all archived with
:class:`storage.Archive`, no network), then runs
:func:`archiver.services.screenshots.take_screenshots` on all of them, --rounds times (one
Chromium per round, as ``archive`` does for one command, its start-up included). For each
round: wall seconds, seconds per screenshot, CPU seconds per screenshot of this process
(answering every request from the archive, writing the PNGs) and of Chromium (the browser and
its renderers, sampled from /proc while they run), and PNG bytes per page. Prints figures;
asserts nothing. Needs Chromium (``ARCHIVER_BROWSER_EXECUTABLE`` or PATH).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlalchemy import text  # noqa: E402
from support.images import png  # noqa: E402

from archiver.crawler.browser.chromium import find_chromium  # noqa: E402
from archiver.services.screenshots import take_screenshots  # noqa: E402
from storage import Archive, StorageConfig  # noqa: E402
from storage.warc.http import HttpRequest, HttpResponse  # noqa: E402

SITE = "http://bench.example"
CLOCK = os.sysconf("SC_CLK_TCK")


def _page(number: int, height: int, images: int) -> bytes:
    pictures = "".join(f'<img src="/img/{number}-{i}.png" width="320" height="200" alt="">' for i in range(images))
    paragraphs = "".join(f"<p>Paragraph {i} of story {number}, with enough words to wrap a line or two "
                         f"across the column of this page.</p>" for i in range(40))
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>Story {number}</title>'
            f'<link rel="stylesheet" href="/static/site.css"></head><body><main style="min-height:{height}px">'
            f"<h1>Story {number}</h1>{pictures}{paragraphs}</main></body></html>").encode()


def build(home: Path, pages: int, height: int, images: int) -> list[int]:
    """Archive the pages and their requisites; return the page capture ids."""
    config = StorageConfig.from_env({}, home=home, fsync_interval=1.0)
    ids = []
    with Archive(config) as archive:
        def store(path: str, content_type: str, body: bytes) -> int:
            request = HttpRequest("GET", path, [("Host", "bench.example")])
            response = HttpResponse(200, [("Content-Type", content_type)], body)
            return archive.record_exchange(SITE + path, request, response).id

        store("/static/site.css", "text/css",
              b"body{font:16px/1.5 serif;margin:0 auto;max-width:60em;background:#fafafa} img{margin:4px}")
        for number in range(pages):
            ids.append(store(f"/story/{number}", "text/html; charset=utf-8", _page(number, height, images)))
            for i in range(images):
                store(f"/img/{number}-{i}.png", "image/png", png(320, 200, ((number * 40) % 256, i * 30, 90)))
    return ids


class ChromiumCpu:
    """CPU seconds of every process whose command line names ``marker`` (Chromium's profile directory),
    sampled from /proc while they run (the last value seen of each process counts)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChromiumCpu:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.1):
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    if self.marker.encode() not in (entry / "cmdline").read_bytes():
                        continue
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                self.seen[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK  # utime + stime

    @property
    def seconds(self) -> float:
        return sum(self.seen.values())


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_round(home: Path, ids: list[int], scratch: Path) -> dict[str, float]:
    config = StorageConfig.from_env({}, home=home, fsync_interval=1.0)
    with Archive(config) as archive:
        captures = [archive.catalogue.get_capture(i) for i in ids]
        with archive.db.session() as session:  # each round shoots every page again
            session.execute(text("DELETE FROM renderings"))
        cpu, wall = _cpu(), time.perf_counter()
        with ChromiumCpu(str(scratch)) as browser:
            batch = take_screenshots(archive, captures, page_timeout=120)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    shots = len(batch.kept)
    if not shots:
        raise SystemExit(f"no screenshot was taken: {batch.failed}")
    return {"pages": len(ids), "screenshots": shots, "failed": len(batch.failed), "wall_s": wall,
            "wall_s_per_shot": wall / shots, "cpu_s_per_shot_archiver": cpu / shots,
            "cpu_s_per_shot_chromium": browser.seconds / shots,
            "cpu_s_per_shot_total": (cpu + browser.seconds) / shots,
            "png_bytes_per_page": sum(r.payload_length for r in batch.kept.values()) / shots}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--height", type=int, default=3000, help="each page's height in CSS pixels")
    parser.add_argument("--images", type=int, default=6, help="images per page")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="one JSON object per round, then the medians")
    args = parser.parse_args()
    if find_chromium() is None:
        raise SystemExit("no Chromium: install it (apt-get install chromium) or set ARCHIVER_BROWSER_EXECUTABLE")
    # Chromium's profile goes under TMPDIR: a short directory of our own, to find its processes by.
    scratch = Path(tempfile.mkdtemp(prefix="bshot-", dir="/tmp"))
    tempfile.tempdir = str(scratch)
    home = scratch / "archive"
    ids = build(home, args.pages, args.height, args.images)
    rounds = []
    for number in range(args.rounds):
        figures = one_round(home, ids, scratch)
        rounds.append(figures)
        if args.json:
            print(json.dumps({"round": number + 1, **figures}))
        else:
            print(f"round {number + 1}: {figures['screenshots']}/{figures['pages']} screenshots in "
                  f"{figures['wall_s']:.1f} s: {figures['wall_s_per_shot']:.2f} s each (wall), CPU "
                  f"{figures['cpu_s_per_shot_total']:.2f} s each ({figures['cpu_s_per_shot_archiver']:.2f} archiver "
                  f"+ {figures['cpu_s_per_shot_chromium']:.2f} Chromium), "
                  f"{figures['png_bytes_per_page'] / 1000:.0f} kB PNG each")
    medians = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    if args.json:
        print(json.dumps({"median": medians}))
    else:
        print(f"median: {medians['wall_s_per_shot']:.2f} s wall and {medians['cpu_s_per_shot_total']:.2f} s CPU "
              f"per screenshot ({args.pages} pages of {args.height} px, {args.images} images each, "
              f"one Chromium per round)")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
