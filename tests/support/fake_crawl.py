"""A stand-in for ``archiver crawl`` in scheduler tests: records a crawl run, then behaves as told.

``python tests/fake_crawl.py MODE``, in the archive ARCHIVER_HOME / ARCHIVER_DATABASE_URL
name. Modes: ``ok`` (the run finishes), ``crash`` (the process kills itself with SIGKILL
mid-run, leaving its run "running"), ``hang`` (waits until SIGINT/SIGTERM, then records the
run interrupted, as Scrapy does), ``exit3`` (prints an error and exits with status 3 without recording a run).
Each start appends a line to ``$FAKE_CRAWL_LOG`` when that is set.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

# Before the slow imports below, so that a stop sent early is not lost.
STOP = threading.Event()
for _sig in (signal.SIGINT, signal.SIGTERM):
    # A signal the parent chose to ignore (``trap '' TERM``) stays ignored, as in a real program
    # started under nohup: a test relies on that to make a crawl that does not stop.
    if signal.getsignal(_sig) is not signal.SIG_IGN:
        signal.signal(_sig, lambda *_: STOP.set())

from storage import Archive, StorageConfig  # noqa: E402


def main() -> None:
    """Behave as ``sys.argv[1]`` says."""
    mode = sys.argv[1]
    if os.environ.get("FAKE_CRAWL_LOG"):
        with open(os.environ["FAKE_CRAWL_LOG"], "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()} {mode}\n")
    if mode == "exit3":
        print("error: cannot read urls.txt", file=sys.stderr)
        sys.exit(3)
    with Archive(StorageConfig.from_env(os.environ)) as archive:
        run_id = archive.start_run("crawl", name=f"fake-{mode}")
        if mode == "crash":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hang":
            STOP.wait()
            archive.finish_run(run_id, status="interrupted", stats={"close_reason": "shutdown"})
            return
        archive.finish_run(run_id, status="finished", stats={"close_reason": "finished"})
        print("fake crawl: run finished")


if __name__ == "__main__":
    main()
