"""The worker pool with real worker processes, and what child interpreters import (all in subprocesses)."""

from __future__ import annotations

import asyncio
import gc
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archiver.crawler.workers import WorkerPool, WorkTimeout


def test_a_call_past_the_time_limit_is_abandoned_and_the_pool_replaced() -> None:
    async def scenario() -> tuple[float, int, float]:
        pool = WorkerPool(1, timeout=1.5)
        try:
            assert await pool.run(abs, -3) == 3  # starts the worker (forkserver) before timing
            started = time.monotonic()
            with pytest.raises(WorkTimeout):
                await pool.run(time.sleep, 30)
            waited = time.monotonic() - started
            after = await pool.run(abs, -4)  # a fresh worker answers
            return waited, after, time.monotonic() - started
        finally:
            pool.close()

    waited, after, total = asyncio.run(scenario())
    assert 1.4 < waited < 5 and after == 4 and total < 15


def test_a_worker_starts_with_what_it_loaded_frozen_out_of_the_collectors_sight() -> None:
    async def scenario() -> int:
        pool = WorkerPool(1, timeout=None, preload=["archiver.extraction.worker_preload"])
        try:
            return await pool.run(gc.get_freeze_count)
        finally:
            pool.close()

    assert asyncio.run(scenario()) > 10_000  # all it loaded before its first call: full collections skip it


def test_what_the_workers_forkserver_preloads_leaves_the_catalogue_out() -> None:
    """Every worker is forked from it: the catalogue (SQLAlchemy) would only cost start-up time."""
    code = ("import sys, archiver.crawler.workers, archiver.extraction.worker_preload; "
            "print(sorted(m for m in ('sqlalchemy', 'scrapy', 'storage.archive') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _stamped_sleep(seconds: float) -> tuple[float, float]:
    """In a worker: sleep, and say when the sleep started and ended (wall clock)."""
    started = time.time()
    time.sleep(seconds)
    return started, time.time()


def test_a_worker_starts_its_next_call_while_the_owner_is_busy() -> None:
    async def scenario() -> tuple[tuple[float, float], tuple[float, float]]:
        pool = WorkerPool(1, timeout=None)
        try:
            await pool.run(_stamped_sleep, 0.0)  # the worker is up, with this test module imported
            first = asyncio.ensure_future(pool.run(_stamped_sleep, 0.4))
            second = asyncio.ensure_future(pool.run(_stamped_sleep, 0.0))
            await asyncio.sleep(0.2)
            time.sleep(0.8)  # the event loop is busy when the first call ends
            return await first, await second
        finally:
            pool.close()

    (_, first_ended), (second_started, _) = asyncio.run(scenario())
    assert second_started - first_ended < 0.3  # not held until the loop was free again (0.6 s)


def test_a_call_waiting_behind_another_has_its_own_time_limit() -> None:
    async def scenario() -> list[tuple[float, float]]:
        pool = WorkerPool(1, timeout=1.5)
        try:
            # The worker imports this test module to find _stamped_sleep: done before timing.
            await pool.run(_stamped_sleep, 0.0)
            return list(await asyncio.gather(pool.run(_stamped_sleep, 1.0), pool.run(_stamped_sleep, 1.0)))
        finally:
            pool.close()

    first, second = asyncio.run(scenario())  # the second ends 2 s after it was handed over: no WorkTimeout
    assert second[0] >= first[1] - 0.05


OWNER_SCRIPT = """
import asyncio, os, sys, time
from archiver.crawler.workers import WorkerPool

async def main():
    pool = WorkerPool(2, timeout=None)
    # two calls at once start both workers; each says its own PID and its parent's (the forkserver)
    pids = await asyncio.gather(pool.run(os.getpid), pool.run(os.getppid), pool.run(os.getpid))
    print(*pids, flush=True)
    time.sleep(600)

asyncio.run(main())
"""


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to see the workers end")
def test_workers_and_forkserver_end_when_their_owner_is_killed() -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER_SCRIPT], stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    assert owner.stdout is not None
    pids = {int(pid) for pid in owner.stdout.readline().split()}
    assert len(pids) >= 2 and owner.pid not in pids  # worker(s) and the forkserver
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    owner.stdout.close()
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running after their owner died: {pids}"
        time.sleep(0.1)


PROBE_MODULE = """
import sys

def loaded():
    return sorted(name for name in ("archiver.cli", "scrapy", "typer", "archiver.extraction", "trafilatura")
                  if name in sys.modules)
"""


# Started as a file, like the ``archiver`` console script: multiprocessing then has every worker
# run this file again (as __mp_main__) before its first call.
CONSOLE_LIKE_SCRIPT = """
import asyncio
from archiver.__main__ import main  # all the console script imports
from archiver.crawler.workers import WorkerPool
import probe

async def run():
    pool = WorkerPool(1, timeout=None, preload=["archiver.extraction.worker_preload"])
    try:
        print(*await pool.run(probe.loaded))
    finally:
        pool.close()

if __name__ == "__main__":
    asyncio.run(run())
"""


def test_workers_start_with_the_extractor_preloaded_and_without_the_cli(tmp_path: Path) -> None:
    """A worker gets the extractor from the forkserver and does not import the whole CLI for itself."""
    (tmp_path / "probe.py").write_text(PROBE_MODULE)
    (tmp_path / "console.py").write_text(CONSOLE_LIKE_SCRIPT)
    done = subprocess.run([sys.executable, str(tmp_path / "console.py")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["archiver.extraction", "trafilatura"]


def test_the_console_entry_point_imports_the_cli_only_when_run() -> None:
    done = subprocess.run([sys.executable, "-c", "import sys, archiver.__main__; print('archiver.cli' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


STARTED_SCRIPT = """
import os, time
from archiver.crawler.workers import WorkerPool

pool = WorkerPool(1, timeout=None, preload=["archiver.extraction.worker_preload"])
pool.start()
time.sleep(0.5)
children = []
for entry in os.listdir("/proc"):
    try:
        with open(f"/proc/{entry}/stat") as stat:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{entry}/cmdline") as cmdline:
            command = cmdline.read()
    except (OSError, ValueError):
        continue
    if parent == os.getpid():
        children.append(command)
print(sum("forkserver" in command and "archiver.extraction.worker_preload" in command for command in children))
pool.close()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the forkserver")
def test_start_runs_the_forkserver_with_its_preload_before_any_call() -> None:
    done = subprocess.run([sys.executable, "-c", STARTED_SCRIPT], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"
