"""Benchmark ``archiver serve`` under load: search requests from a second process, over loopback.

    python bench/web.py [--articles 20000] [--requests 2000] [--concurrency 20] [--keep DIR]

Generates a catalogue of N articles (bench/search.py's generator: bulk inserts, no WARC),
starts ``archiver serve --port 0`` on it (uvicorn, 127.0.0.1), then runs a load process that
sends the requests, ``--concurrency`` at a time, each on its own keep-alive connection: half
``GET /api/search?q=...`` and half the HTML search page ``GET /?q=...``, two-word queries
(words found in 1-11% of the articles; one in five with a language filter and a date range).
Prints requests/s, p50/p95/max latency and the errors (non-200 answers or failed requests;
there must be none). Bounded and loopback only: the load process refuses any other host.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import _vocabulary, generate  # noqa: E402 - bench/search.py's catalogue generator

from storage.catalogue.database import Database  # noqa: E402

MAX_REQUESTS = 100_000
MAX_CONCURRENCY = 64


def paths(vocab: list[str], count: int, *, seed: int = 3) -> list[str]:
    """``count`` search URLs (path and query), alternating API and HTML page."""
    rng = random.Random(seed)
    result = []
    for number in range(count):
        params = {"q": f"{rng.choice(vocab[300:3000])} {rng.choice(vocab[300:10000])}"}
        if number % 5 == 4:
            params.update({"lang": "en", "since": "2022", "until": "2022-12"})
        result.append(("/api/search?" if number % 2 == 0 else "/?") + urlencode(params))
    return result


def load(base: str, requests: list[str], concurrency: int) -> dict[str, object]:
    """Send ``requests`` to ``base`` from ``concurrency`` threads; timings and errors."""
    parts = urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise SystemExit(f"refusing to load {parts.hostname}: loopback only")
    queue = list(reversed(requests))
    lock = threading.Lock()
    timings: list[float] = []
    errors: list[str] = []

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                path = queue.pop()
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept": "text/html" if path.startswith("/?") else "*/*"})
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    timings.append(elapsed)
                    if response.status != 200:
                        errors.append(f"{response.status} {path}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(f"{type(exc).__name__}: {exc} ({path})")
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    timings.sort()
    return {"requests": len(requests), "answered": len(timings), "seconds": wall,
            "per_second": len(timings) / wall if wall else 0.0,
            "p50_ms": statistics.median(timings) * 1000 if timings else None,
            "p95_ms": timings[min(len(timings) - 1, int(len(timings) * 0.95))] * 1000 if timings else None,
            "max_ms": timings[-1] * 1000 if timings else None, "errors": errors}


def serve(home: Path) -> tuple[subprocess.Popen[str], str]:
    """``archiver serve --port 0`` on ``home``; the process and its base URL (read from its log)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}, "ARCHIVER_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "archiver", "serve", "--port", "0"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "Uvicorn running on " in line:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, line.split("Uvicorn running on ", 1)[1].split()[0]
    raise SystemExit("archiver serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="build the archive in this directory and keep it")
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)  # the load process
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS or not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise SystemExit(f"--requests 1..{MAX_REQUESTS}, --concurrency 1..{MAX_CONCURRENCY}")
    if args.load:
        print(json.dumps(load(args.load, paths(_vocabulary(random.Random(1)), args.requests), args.concurrency)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-web-") as scratch:
        home = args.keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        path = home / "catalogue.sqlite"
        if not path.exists():
            started = time.perf_counter()
            db = Database(f"sqlite:///{path}")
            generate(db, args.articles)
            db.close()
            print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s")
        proc, url = serve(home)
        try:
            done = subprocess.run([sys.executable, __file__, "--load", url, "--requests", str(args.requests),
                                   "--concurrency", str(args.concurrency)], capture_output=True, text=True,
                                  check=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            if proc.stderr is not None:
                proc.stderr.close()
    result = json.loads(done.stdout)
    print(f"{result['answered']}/{result['requests']} search requests, {args.concurrency} at a time, "
          f"in {result['seconds']:.1f} s: {result['per_second']:.0f} requests/s, "
          f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, max {result['max_ms']:.1f} ms, "
          f"errors {len(result['errors'])}")
    for error in result["errors"][:10]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
