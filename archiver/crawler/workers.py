"""A pool of worker processes for CPU-bound calls, with a time limit per call.

    pool = WorkerPool(2, timeout=60.0)
    result = await pool.run(extract, html, url)   # raises WorkTimeout after 60 s
    pool.close()

At most ``workers`` calls run at once, and as many more are handed to the pool ahead, one
waiting for each worker: a worker that finishes a call starts the next at once, instead of
idling until the owner's busy event loop gets round to handing it over (which kept the
workers of a crawl about a tenth of the time idle). The others wait their turn before being
handed to the pool. The time limit counts a call's own run (plus starting a worker, the first
time), never its wait: a call's clock starts when one of the ``workers`` calls before it ends.
When a call runs out of time its worker cannot be interrupted, so the whole pool is replaced:
its processes are terminated and the next call starts a new pool. Calls that were running or
waiting in the old pool fail with ``BrokenProcessPool`` and are tried once more in the new one,
as are calls whose worker died (a crash, or the system killing it).

Workers end by themselves when the process that owns the pool is gone, even after a SIGKILL
that gave it no chance to close the pool (see :func:`_start_worker`).

``preload`` names modules the pool's forkserver imports once, before it forks any worker: each
worker then starts with them loaded (copy-on-write) instead of importing them itself, which
matters for heavy modules such as the extractor (trafilatura, htmldate, lxml). The preload is
set for the process's one forkserver, so the first pool to start decides it.

``workers=0`` runs calls in one thread instead (for debugging): a thread cannot be stopped, so
there the time limit only frees the caller; the call itself runs on in the background.
Needs a running asyncio event loop (Scrapy's asyncio reactor).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import forkserver
from typing import Any, TypeVar

from storage.processes import process_alive, process_start_time

__all__ = ["WorkTimeout", "WorkerPool", "start_forkserver"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def _start_worker(owner_pid: int) -> None:
    """In a worker: ignore Ctrl-C, freeze what it starts with, and exit when the pool's owner is gone.

    A terminal sends Ctrl-C to the whole process group, but the owner decides how to stop
    (Scrapy finishes the pages in flight, then closes the pool); a worker dying of
    KeyboardInterrupt mid-page would break that. When the owner is killed outright (SIGKILL),
    nothing tells a forkserver worker: it holds both ends of its own task queue, so it would
    wait for work forever, and so would the forkserver. A watchdog thread ends it instead.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # What the worker starts with (the preloaded modules, shared with the forkserver) stays for
    # its whole life: out of the garbage collector's sight, full collections no longer walk it
    # (0.4 ms per page of the extractor's time) nor write to its shared memory pages.
    gc.freeze()
    started = process_start_time(owner_pid)
    threading.Thread(target=_exit_when_gone, args=(owner_pid, started), name="owner-watchdog",
                     daemon=True).start()


def _exit_when_gone(pid: int, started: str | None, interval: float = 1.0) -> None:
    while process_alive(pid, started):
        time.sleep(interval)
    os._exit(0)


def start_forkserver(preload: Sequence[str]) -> None:
    """Start the process's forkserver, importing ``preload`` (and this module), unless it runs already.

    Returns at once; the forkserver imports while the caller goes on. The first pool of the
    process calls it with its own ``preload``; calling it earlier, with the same modules, gets
    the imports done sooner (:func:`archiver.crawler.extraction_pool.start_extraction_workers`).
    """
    forkserver.set_forkserver_preload(_with_this_module(preload))
    forkserver.ensure_running()


def _with_this_module(preload: Sequence[str]) -> list[str]:
    # Every worker runs _start_worker before anything else.
    return [__name__, *(name for name in preload if name != __name__)]


class WorkTimeout(TimeoutError):
    """A call to :meth:`WorkerPool.run` took longer than the pool's time limit."""


class WorkerPool:
    """Runs picklable callables in worker processes, each call within ``timeout`` seconds (None: no limit)."""

    def __init__(self, workers: int, *, timeout: float | None, preload: Sequence[str] = ()) -> None:
        self.workers = max(workers, 0)
        self.timeout = timeout if timeout and timeout > 0 else None
        self.preload = _with_this_module(preload)
        self._executor: Executor | None = None
        self._slots: asyncio.Semaphore | None = None  # calls handed to the pool
        self._running: asyncio.Semaphore | None = None  # calls whose time limit is counting

    def start(self) -> None:
        """Start the forkserver now, so that it imports the preloaded modules while the caller goes on.

        Otherwise the first :meth:`run` starts it and waits until it has imported them (about a
        second for the extractor), holding up the event loop. Nothing to do in thread mode.
        """
        if self.workers > 0:
            start_forkserver(self.preload)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in a worker. Raises :class:`WorkTimeout`, or whatever ``fn`` raised."""
        if self._slots is None or self._running is None:
            # A thread cannot be stopped, so in thread mode a call queued behind one that ran out
            # of time would wait for it: nothing is handed over ahead there.
            self._slots = asyncio.Semaphore(2 * self.workers or 1)
            self._running = asyncio.Semaphore(max(self.workers, 1))
        async with self._slots:
            for attempt in (1, 2):
                executor = self._get_executor()
                future = asyncio.wrap_future(executor.submit(fn, *args))
                try:
                    async with self._running:  # first come, first served, like the pool's own queue
                        return await asyncio.wait_for(future, self.timeout)
                except TimeoutError:
                    self._discard(executor)
                    raise WorkTimeout(f"took longer than {self.timeout:g} s") from None
                except BrokenProcessPool:
                    self._discard(executor)
                    if attempt == 2:
                        raise
                    log.warning("a worker process died; starting new workers and trying again")
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Wait for running calls to end and stop the workers."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _get_executor(self) -> Executor:
        if self._executor is None:
            if self.workers > 0:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(self.preload)
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                     initializer=_start_worker, initargs=(os.getpid(),))
            else:
                self._executor = ThreadPoolExecutor(1)
        return self._executor

    def _discard(self, executor: Executor) -> None:
        """Stop ``executor`` without waiting for it (once, even if several calls fail on it)."""
        if executor is not self._executor:
            return
        self._executor = None
        # ProcessPoolExecutor has no public way (before Python 3.14) to stop a running call.
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
        executor.shutdown(wait=False)
