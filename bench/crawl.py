#!/usr/bin/env python3
"""Benchmark a whole crawl: fetch, WARC, extraction and catalogue, against trafilatura alone.

    python bench/crawl.py [--pages N] [--padding BYTES] [--rounds 3] [--concurrency 16] [--skip-requisites] [--json]

Serves a synthetic news site of N articles (tests/crawl_site.py: pages of padding/2 to padding
bytes of HTML, default 60-120 KB, with JSON-LD, gzip-encoded) on 127.0.0.1. The site builds
and gzips every page before the crawls start, so that serving, which shares the machine's
cores with the crawler, costs next to no CPU, as a remote site's would. Then, in one run,
--rounds rounds of these four, back to back:

1. ``pipeline``: ``archiver crawl --sitemap`` of the whole site through the real pipeline
   (Scrapy, WARC, extraction in a pool of ARCHIVER_EXTRACT_WORKERS processes, SQLite catalogue);
2. ``fetch+warc``: the same crawl with extraction switched off (Scrapy + WARC + catalogue rows);
3. ``trafilatura``: ``trafilatura.bare_extraction`` alone on the same pages (decoded HTML held
   in memory; at most --baseline-pages of them) in a pool of 2 processes, --passes passes;
4. ``ours``: the same with ``archiver.extraction.extract`` (what the pipeline runs: trafilatura
   plus the JSON-LD/OpenGraph/meta merge), to tell pipeline overhead from extraction cost.

5. ``requisites``: the ``pipeline`` crawl with ``--requisites``: every article's shared stylesheet,
   web font, background, logo and favicon (fetched once for the whole crawl) and its 10-30 photos
   are archived too (the site serves them in every part; only this crawl fetches them).

For each crawl: pages/s and articles/s (wall clock of the command, start-up included, and of
the crawl itself from the run's start to its end), CPU seconds per page (the crawler and every
process under it, not the site's server), peak RSS summed over the crawler's process tree, and
WARC bytes per page. Then the ratios the crawl issue sets targets for, each the median of the
rounds' own ratios, and the median of every figure. Prints figures; asserts nothing. These
machines drift 10-35% from run to run, and within a run too: a pipeline crawl measured in a
slow minute against trafilatura in a fast one (or the other way round) moved the ratio by 0.1.
Rounds, each comparing figures taken minutes apart at most, damp that; still compare figures
of one run only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.crawl_site import article_path, running_crawl_site  # noqa: E402

ARCHIVER = str(Path(sys.executable).parent / "archiver")
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# --------------------------------------------------------------------------- process tree sampling


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(_children(current))
    return found


def _sample(pid: int) -> tuple[int, float] | None:
    """(resident bytes, CPU seconds of the process itself) of ``pid``, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        with open(f"/proc/{pid}/statm") as handle:
            resident_pages = int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * _PAGE, (int(fields[11]) + int(fields[12])) / _TICK


_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


class TreeSampler:
    """Samples a process tree every ``interval`` s: peak of the summed RSS, CPU of every process seen.

    A process's CPU is its last sample, so up to one interval of CPU of each process that exits
    between samples is missed; the extraction workers, which do most of the work, live as long
    as the crawl. (``RUSAGE_CHILDREN`` cannot be used: the forkserver that starts the workers is
    not waited for by the crawler, so their CPU never reaches it.)
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = 0
            for pid in _tree(self.pid):
                sample = _sample(pid)
                if sample is not None:
                    rss += sample[0]
                    self.cpu[pid] = sample[1]
            self.peak = max(self.peak, rss)
            self._stop.wait(self.interval)

    def stop(self) -> tuple[int, float]:
        """Stop sampling; return (peak RSS bytes, CPU seconds)."""
        self._stop.set()
        self._thread.join()
        return self.peak, sum(self.cpu.values())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------- crawls


def crawl(site_url: str, home: Path, *, extract: bool, concurrency: int, workers: int,
          requisites: bool = False) -> dict[str, Any]:
    """One `archiver crawl --sitemap` of the site into ``home`` (``--requisites`` too, if asked); its figures."""
    args = [ARCHIVER, "crawl", "--sitemap", site_url + "sitemap_index.xml", *(["--requisites"] if requisites else []),
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"CONCURRENT_REQUESTS={concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "LOG_LEVEL=ERROR",
            "-s", f"ARCHIVER_EXTRACT_ENABLED={int(extract)}", "-s", f"ARCHIVER_EXTRACT_WORKERS={workers}"]
    env = {**os.environ, "ARCHIVER_HOME": str(home), "NO_COLOR": "1"}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    peak, sampled_cpu = sampler.stop()
    # The crawler's own CPU is exact from rusage; its descendants' from the samples.
    own = _children_cpu() - cpu_before
    cpu = own + sampled_cpu - sampler.cpu.get(process.pid, 0.0)
    if process.returncode != 0:
        raise SystemExit(f"the crawl failed ({process.returncode}):\n{out}\n{err}")
    with sqlite3.connect(home / "catalogue.sqlite") as db:
        started_at, finished_at, stats = db.execute(
            "SELECT started_at, finished_at, stats FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
    stats = json.loads(stats)
    counts = stats["counts"]
    fetched = stats.get("archiver/requisites/archived", 0)
    linked = stats.get("archiver/requisites/linked", 0)
    crawl_seconds = (datetime.fromisoformat(finished_at) - datetime.fromisoformat(started_at)).total_seconds()
    warc_bytes = sum(p.stat().st_size for p in (home / "warcs").glob("*.warc.gz"))
    pages = counts["pages"]
    return {
        "pages": pages, "articles": counts["articles"], "errors": counts["errors"],
        "wall_s": wall, "crawl_s": crawl_seconds,
        "pages_per_s": pages / wall, "articles_per_s": counts["articles"] / wall,
        "crawl_pages_per_s": pages / crawl_seconds, "crawl_articles_per_s": counts["articles"] / crawl_seconds,
        "cpu_s": cpu, "cpu_ms_per_page": 1000 * cpu / pages, "crawler_cpu_ms_per_page": 1000 * own / pages,
        "peak_rss_mb": peak / 2**20, "warc_bytes_per_page": warc_bytes / pages,
        "requisites_per_page": (fetched + linked) / pages, "requisites_fetched_per_page": fetched / pages,
        "received_bytes_per_page": counts.get("bytes", 0) / pages,
    }


# --------------------------------------------------------------------------- trafilatura alone


def _fetch(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    with _OPENER.open(request, timeout=30) as response:
        return response.read().decode("utf-8")


def _trafilatura(job: tuple[str, str]) -> int:
    import trafilatura

    html, url = job
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    return len(document.text or "") if document is not None else 0


def _ours(job: tuple[str, str]) -> int:
    from archiver.extraction import extract

    html, url = job
    return len(extract(html, url).text or "")


def extraction_alone(function: Any, jobs: list[tuple[str, str]], passes: int, workers: int) -> dict[str, Any]:
    """``passes`` timed passes of ``function`` over ``jobs`` in a pool of ``workers``; medians."""
    count = len(jobs)
    size = statistics.mean(len(html.encode()) for html, _ in jobs)
    rates, cpus = [], []
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(function, jobs[: workers * 2]))  # warm up: imports in every worker
        for _ in range(passes):
            started = time.perf_counter()
            cpu_before = _pool_cpu(pool)
            list(pool.map(function, jobs, chunksize=8))
            rates.append(count / (time.perf_counter() - started))
            cpus.append((_pool_cpu(pool) - cpu_before) / count)
    return {"pages": count, "html_bytes_mean": size, "docs_per_s": statistics.median(rates),
            "docs_per_s_passes": rates, "cpu_ms_per_page": 1000 * statistics.median(cpus)}


def _pool_cpu(pool: ProcessPoolExecutor) -> float:
    total = 0.0
    for pid in list(pool._processes):  # noqa: SLF001 - CPU of the live workers
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


# --------------------------------------------------------------------------- report


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="articles on the site (default 1000)")
    parser.add_argument("--padding", type=int, default=120_000, help="largest page size in bytes")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds, each a pipeline crawl, a fetch+WARC crawl and one pass of each extractor alone, "
                             "back to back (default 3; figures are medians)")
    parser.add_argument("--passes", type=int, default=1, help="passes of each extractor alone per round")
    parser.add_argument("--baseline-pages", type=int, default=1000, help="pages for trafilatura alone")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent requests of the crawls")
    parser.add_argument("--workers", type=int, default=2, help="extraction processes (both sides)")
    parser.add_argument("--skip-fetch-only", action="store_true", help="no fetch+warc crawl")
    parser.add_argument("--skip-requisites", action="store_true", help="no --requisites crawl")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    results: dict[str, Any] = {"pages": args.pages, "cpus": os.cpu_count(), "rounds": []}
    show = (lambda *_: None) if args.json else _show  # noqa: E731 - figures as soon as each part is done
    show("site", results)
    with running_crawl_site("--articles", str(args.pages), "--padding", str(args.padding), "--prebuild",
                            "--requisites") as site, \
            tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        base = site.url.rstrip("/")
        jobs = [(_fetch(base + article_path(i)), base + article_path(i))
                for i in range(min(args.pages, args.baseline_pages))]
        for number in range(1, args.rounds + 1):
            # The parts of a round run back to back, so that its ratios compare figures taken minutes
            # apart at most, whichever way the machine drifts meanwhile.
            round_: dict[str, Any] = {"round": number}
            round_["pipeline"] = crawl(site.url, Path(tmp) / f"pipeline-{number}", extract=True,
                                       concurrency=args.concurrency, workers=args.workers)
            if not args.skip_fetch_only:
                round_["fetch_warc"] = crawl(site.url, Path(tmp) / f"fetch-{number}", extract=False,
                                             concurrency=args.concurrency, workers=args.workers)
            if not args.skip_requisites:
                round_["requisites"] = crawl(site.url, Path(tmp) / f"requisites-{number}", extract=True,
                                             concurrency=args.concurrency, workers=args.workers, requisites=True)
            round_["trafilatura"] = extraction_alone(_trafilatura, jobs, args.passes, args.workers)
            round_["ours"] = extraction_alone(_ours, jobs, args.passes, args.workers)
            round_.update(_ratios(round_, os.cpu_count() or 1))
            results["rounds"].append(round_)
            show("round", round_)
    for part in ("pipeline", "fetch_warc", "requisites", "trafilatura", "ours"):
        if part in results["rounds"][0]:
            results[part] = _medians([round_[part] for round_ in results["rounds"]])
            show(part, results)
    for key in results["rounds"][0]:
        if key.startswith(("ratio_", "bound_", "cores_")):
            results[key] = statistics.median(round_[key] for round_ in results["rounds"])
    if args.json:
        print(json.dumps(results, indent=2))
        return
    show("ratios", results)


def _ratios(round_: dict[str, Any], cores: int) -> dict[str, float]:
    """The ratios the crawl issue sets targets for, from the figures of one round."""
    pipeline, alone, ours = round_["pipeline"], round_["trafilatura"], round_["ours"]
    ratios = {"ratio_articles_per_s": pipeline["crawl_articles_per_s"] / alone["docs_per_s"],
              "ratio_articles_per_s_wall": pipeline["articles_per_s"] / alone["docs_per_s"],
              "ratio_articles_per_s_ours": pipeline["crawl_articles_per_s"] / ours["docs_per_s"]}
    if "fetch_warc" in round_:
        fetch_cpu = round_["fetch_warc"]["cpu_ms_per_page"]
        ratios["ratio_cpu_per_page"] = pipeline["cpu_ms_per_page"] / (alone["cpu_ms_per_page"] + fetch_cpu)
        ratios["ratio_cpu_per_page_ours"] = pipeline["cpu_ms_per_page"] / (ours["cpu_ms_per_page"] + fetch_cpu)
        # With every core busy, a page costs at least trafilatura's CPU plus fetch+WARC's: the most
        # any pipeline built from these parts can reach, as a ratio to trafilatura alone.
        ratios["bound_ratio_articles_per_s"] = (cores * 1000 / (alone["cpu_ms_per_page"] + fetch_cpu)
                                                / alone["docs_per_s"])
        ratios["cores_busy"] = pipeline["cpu_ms_per_page"] * pipeline["crawl_pages_per_s"] / 1000
    return ratios


def _medians(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure's median over the rounds (lists of passes put together)."""
    out: dict[str, Any] = {}
    for key, value in parts[0].items():
        values = [part[key] for part in parts]
        if isinstance(value, list):
            out[key] = [item for items in values for item in items]
        elif isinstance(value, int):
            out[key] = statistics.median_low(values)
        elif isinstance(value, float):
            out[key] = statistics.median(values)
        else:
            out[key] = value
    return out


def _show(part: str, results: dict[str, Any]) -> None:
    """Print the figures of one part of the benchmark."""
    labels = {"pipeline": "pipeline (fetch+WARC+extract+catalogue)", "fetch_warc": "fetch+WARC only",
              "requisites": "pipeline with --requisites (pages and their images, CSS, fonts)",
              "trafilatura": "trafilatura alone (bare_extraction)",
              "ours": "archiver.extraction.extract alone (trafilatura + JSON-LD/meta merge)"}
    if part == "site":
        print(f"site: {results['pages']} articles on 127.0.0.1, {results['cpus']} CPUs")
    elif part == "round":
        r = results
        print(f"round {r['round']}: pipeline {r['pipeline']['crawl_articles_per_s']:.1f} articles/s, trafilatura "
              f"alone {r['trafilatura']['docs_per_s']:.1f} docs/s, ours alone {r['ours']['docs_per_s']:.1f} docs/s: "
              f"ratio {r['ratio_articles_per_s']:.2f}"
              + (f", CPU ratio {r['ratio_cpu_per_page']:.2f}" if "ratio_cpu_per_page" in r else ""))
    elif part in ("pipeline", "fetch_warc", "requisites"):
        r = results[part]
        print(f"{labels[part]} (medians of {len(results['rounds'])} rounds):")
        print(f"  {r['pages']} pages, {r['articles']} articles, {r['errors']} errors in {r['wall_s']:.1f} s "
              f"(crawl itself {r['crawl_s']:.1f} s)")
        print(f"  pages/s {r['pages_per_s']:.1f} (crawl {r['crawl_pages_per_s']:.1f}), articles/s "
              f"{r['articles_per_s']:.1f} (crawl {r['crawl_articles_per_s']:.1f})")
        print(f"  CPU {r['cpu_ms_per_page']:.1f} ms/page ({r['crawler_cpu_ms_per_page']:.1f} in the crawler process, "
              f"the rest in its extraction workers), peak RSS {r['peak_rss_mb']:.0f} MB (all processes), "
              f"WARC {r['warc_bytes_per_page'] / 1024:.1f} KB/page")
        if part == "requisites":
            print(f"  requisites/page {r['requisites_per_page']:.1f} ({r['requisites_fetched_per_page']:.1f} fetched, "
                  f"the rest shared and fetched once), received {r['received_bytes_per_page'] / 1024:.1f} KB/page")
    elif part in ("trafilatura", "ours"):
        t = results[part]
        print(f"{labels[part]}, pool of 2, {t['pages']} pages of {t['html_bytes_mean'] / 1024:.0f} KB on average:")
        print(f"  {t['docs_per_s']:.1f} docs/s (median of {len(t['docs_per_s_passes'])}: "
              f"{', '.join(f'{r:.1f}' for r in t['docs_per_s_passes'])}), CPU {t['cpu_ms_per_page']:.1f} ms/page")
    else:
        per_round = ", ".join(f"{r['ratio_articles_per_s']:.2f}" for r in results["rounds"])
        print(f"ratio articles/s pipeline / trafilatura alone (median of the rounds' ratios {per_round}): "
              f"{results['ratio_articles_per_s']:.2f} "
              f"(wall clock, start-up included: {results['ratio_articles_per_s_wall']:.2f}; target >= 0.65)")
        print(f"ratio articles/s pipeline / our extraction alone: {results['ratio_articles_per_s_ours']:.2f}")
        if "ratio_cpu_per_page" in results:
            print(f"ratio CPU/page pipeline / (trafilatura alone + fetch+WARC): {results['ratio_cpu_per_page']:.2f} "
                  f"(target <= 1.3); / (our extraction alone + fetch+WARC): {results['ratio_cpu_per_page_ours']:.2f}")
            print(f"bound on the articles/s ratio with all {results['cpus']} cores busy and nothing added to "
                  f"trafilatura + fetch+WARC: {results['bound_ratio_articles_per_s']:.2f}; cores busy during the "
                  f"pipeline crawl: {results['cores_busy']:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
