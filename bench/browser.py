#!/usr/bin/env python3
"""Benchmark the browser lane: pages/s and CPU seconds per page of ``archiver archive`` with and without it.

    python bench/browser.py [--pages 20] [--rounds 2] [--browser-pages 2] [--json]

Serves the client-rendered fixture site (tests/support/browser_site.py: an empty app root, a script,
a JSON endpoint) on 127.0.0.1 and archives --pages of its story pages in one ``archiver archive``
command, twice per round:

1. ``static``: ``--browser never`` (fetch, WARC, extraction, catalogue, requisites);
2. ``browser``: ``--browser auto`` (every page is script-built, so every page goes to the lane:
   Chromium started once, each page loaded with its requests routed through Scrapy, behaviour,
   DOM and full-page screenshot archived, the rendered DOM extracted).

For each: wall-clock pages/s of the command (start-up included) and CPU seconds per page of the
command and every process under it (Chromium's renderers included: this process is made their
subreaper, so their time is counted when they are reaped). Then the lane's own cost: the
difference of the two, per page. Prints figures; asserts nothing. The machine's other load moves
these figures by 10-30%; compare figures of one run only.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.browser_site import running_browser_site  # noqa: E402

ARCHIVER = str(Path(sys.executable).parent / "archiver")
PR_SET_CHILD_SUBREAPER = 36


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _reap_orphans(keep: set[int], timeout: float = 15.0) -> None:
    """Wait for the orphans (Chromium's helpers) reparented to us, so their CPU time is counted.

    ``keep``: our own long-lived children (the site's servers), not waited for.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                break
        if not set(_children()) - keep:
            return
        time.sleep(0.05)


def _children() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] == me:
                found.append(int(entry.name))
    return found


def _run(site: str, pages: int, mode: str, browser_pages: int, tmp: Path, keep: set[int]) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-", dir=tmp))
    urls = [f"{site}news/story-{n}" for n in range(pages)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
    env.update({"ARCHIVER_HOME": str(home / "archive"), "ARCHIVER_BROWSER_PAGES": str(browser_pages),
                "NO_COLOR": "1"})
    before = _children_cpu()
    started = time.monotonic()
    result = subprocess.run([ARCHIVER, "archive", "--json", "--browser", mode, *urls], env=env, cwd=home,
                            capture_output=True, text=True, timeout=1800)
    wall = time.monotonic() - started
    _reap_orphans(keep)
    cpu = _children_cpu() - before
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    articles = sum(1 for line in lines if (line.get("word_count") or 0) > 80)
    if result.returncode != 0:
        print(f"warning: {mode} run exited {result.returncode}: {result.stderr.strip()[-300:]}", file=sys.stderr)
    return {"wall_s": wall, "pages_per_s": pages / wall, "cpu_s_per_page": cpu / pages, "articles": articles}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--browser-pages", type=int, default=2, help="ARCHIVER_BROWSER_PAGES")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args()
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1)
    rounds: dict[str, list[dict[str, float]]] = {"static": [], "browser": []}
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp, running_browser_site() as (site, _private):
        keep = set(_children())  # the site's servers
        for number in range(args.rounds):
            for name, mode in (("static", "never"), ("browser", "auto")):
                figures = _run(site, args.pages, mode, args.browser_pages, Path(tmp), keep)
                rounds[name].append(figures)
                if not args.json:
                    print(f"round {number + 1} {name:8s} {figures['pages_per_s']:6.2f} pages/s  "
                          f"{figures['cpu_s_per_page']:6.3f} CPU s/page  {figures['articles']}/{args.pages} "
                          f"articles  ({figures['wall_s']:.1f} s)", flush=True)
    median = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in rounds.items()}
    lane = {
        "wall_s_per_page": (median["browser"]["wall_s"] - median["static"]["wall_s"]) / args.pages,
        "cpu_s_per_page": median["browser"]["cpu_s_per_page"] - median["static"]["cpu_s_per_page"],
    }
    summary = {"pages": args.pages, "rounds": args.rounds, "browser_pages": args.browser_pages,
               "cores": os.cpu_count(), "median": median, "lane": lane}
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"\n{args.pages} pages, {args.rounds} rounds, ARCHIVER_BROWSER_PAGES={args.browser_pages}, "
          f"{os.cpu_count()} cores (medians)")
    for name in ("static", "browser"):
        m = median[name]
        print(f"  {name:8s} {m['pages_per_s']:6.2f} pages/s  {m['cpu_s_per_page']:6.3f} CPU s/page")
    print(f"  the lane adds {lane['wall_s_per_page']:.2f} s and {lane['cpu_s_per_page']:.3f} CPU s per page")


if __name__ == "__main__":
    main()
