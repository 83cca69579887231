"""Wall time of the small commands a person types: ``archiver --help``, ``search``, ``archive URL`` of a local page.

    python bench/cli_latency.py [--runs 5] [--archiver .venv/bin/archiver]

Serves one article page (with JSON-LD) on 127.0.0.1, archives it once into a temporary archive
(so ``search`` has something to find), then runs each command ``--runs`` times as a person would
(a fresh process each time) and prints min / median / max wall seconds. ``archive`` gets
``--no-requisites`` as well as the default, and ``--no-screenshot`` when the command has it.

Prints figures; asserts nothing. The machine's load shows in the spread: compare medians of one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGE = b"""<!doctype html><html lang="en"><head><title>Port workers strike over pay</title>
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Port workers strike over pay",
"author": {"@type": "Person", "name": "Ann Lee"}, "datePublished": "2026-11-30T09:00:00Z"}</script>
</head><body><article><h1>Port workers strike over pay</h1>
""" + b"<p>Port workers stopped work on Monday over pay and conditions, the union said.</p>\n" * 40 + \
    b"</article></body></html>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = PAGE if self.path.startswith("/news/") else b"not here"
        self.send_response(200 if self.path.startswith("/news/") else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return None


CPU: list[float] = []  #: CPU seconds (user + system, the process and what it waited for) of each run timed


def _time(command: list[str], env: dict[str, str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if result.returncode not in (0, 3):
            print(f"  ! {' '.join(command[1:])} exited {result.returncode}: {result.stderr.decode()[-300:]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--archiver", default=str(Path(sys.executable).parent / "archiver"))
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVER_")}
        env.update(ARCHIVER_HOME=str(Path(tmp) / "archive"), NO_COLOR="1", ARCHIVER_CONTACT="bench@example.org")
        subprocess.run([args.archiver, "archive", f"{base}/news/seed"], env=env, capture_output=True, check=False)
        help_text = subprocess.run([args.archiver, "archive", "--help"], env=env, capture_output=True,
                                   text=True, check=False).stdout
        counter = iter(range(10**6))
        cases: list[tuple[str, list[str] | None]] = [
            ("archiver --help", ["--help"]),
            ("archiver search port", ["search", "port"]),
        ]
        archive_variants = [("", []), (" --no-requisites", ["--no-requisites"])]
        if "--no-screenshot" in help_text:
            archive_variants.append((" --no-screenshot", ["--no-screenshot"]))
        print(f"{args.runs} runs each, wall seconds (min / median / max) and median CPU seconds; "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        for label, extra in cases:
            CPU.clear()
            times = _time([args.archiver, *(extra or [])], env, args.runs)
            print(f"{label:<40} {min(times):6.2f} {statistics.median(times):6.2f} {max(times):6.2f}   "
                  f"cpu {statistics.median(CPU):5.2f}")
        for label, extra in archive_variants:
            times = []
            CPU.clear()
            for _ in range(args.runs):  # a new URL each time: a real fetch, never "archived recently"
                times += _time([args.archiver, "archive", *extra, f"{base}/news/{next(counter)}"], env, 1)
            name = f"archiver archive URL{label}"
            print(f"{name:<40} {min(times):6.2f} {statistics.median(times):6.2f} {max(times):6.2f}   "
                  f"cpu {statistics.median(CPU):5.2f}")
    server.shutdown()


if __name__ == "__main__":
    main()
