"""One scheduled run as a child process: started in its own session, stopped politely, then killed.

The child (``archiver crawl ...``) is the leader of a new process group, so it and the
extraction workers it starts can be killed together, and a Ctrl-C at the scheduler's terminal
reaches only the scheduler, which decides what the children get. Stopping sends one signal
to the crawl itself (Scrapy then closes the spider and marks the run interrupted); if it has
not exited when its grace period is over, the whole group gets SIGKILL. On Linux a child
also gets SIGTERM when the scheduler itself dies (even by SIGKILL), so an orphaned crawl
never runs on after its lease has expired.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO

__all__ = ["ChildRun"]

log = logging.getLogger(__name__)


@dataclass
class ChildRun:
    """A running child of one schedule: its process, deadlines and why it was stopped."""

    schedule_id: int
    schedule_name: str
    process: subprocess.Popen[bytes]
    started_at: datetime
    log_file: Path | None = None
    deadline: float | None = None  # monotonic time the run's time limit ends
    stop_reason: str | None = None  # timed_out | interrupted
    kill_at: float | None = None  # monotonic time the group gets SIGKILL
    next_renewal: float = 0.0
    run_id: int | None = None  # the crawl run the child recorded, once found
    _log_handle: IO[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(cls, argv: Sequence[str], *, schedule_id: int, schedule_name: str, started_at: datetime,
              env: Mapping[str, str], log_file: Path | None = None, stdout: int | None = None,
              time_limit: float | None = None) -> ChildRun:
        """Start ``argv``; its output goes to ``log_file`` (created), else to ``stdout`` (a descriptor) or ours."""
        handle = None
        if log_file is not None:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handle = log_file.open("ab")
        process = subprocess.Popen(list(argv), env=dict(env), stdin=subprocess.DEVNULL,
                                   stdout=handle if handle else stdout,
                                   stderr=subprocess.STDOUT if handle else None, start_new_session=True,
                                   preexec_fn=_stop_with_parent(os.getpid()) if sys.platform == "linux" else None)
        now = time.monotonic()
        return cls(schedule_id=schedule_id, schedule_name=schedule_name, process=process, started_at=started_at,
                   log_file=log_file, deadline=now + time_limit if time_limit else None, _log_handle=handle)

    @property
    def pid(self) -> int:
        """The child's process id (the crawl's run row records it too)."""
        return self.process.pid

    def poll(self) -> int | None:
        """The exit status once the child has ended (negative: killed by that signal), else None."""
        code = self.process.poll()
        if code is not None:
            self._reap_group()
            if self._log_handle is not None:
                self._log_handle.close()
                self._log_handle = None
        return code

    def last_words(self, limit: int = 4096) -> str | None:
        """The last non-empty line the child wrote to its log file (often the error that ended it)."""
        if self.log_file is None or not self.log_file.exists():
            return None
        with self.log_file.open("rb") as handle:
            handle.seek(max(0, self.log_file.stat().st_size - limit))
            lines = [line.strip() for line in handle.read().decode("utf-8", "replace").splitlines()]
        return next((line for line in reversed(lines) if line), None)

    def enforce(self, now: float, *, grace: float) -> None:
        """Stop the child when its time limit is over; kill its group when a stop's grace is over."""
        if self.deadline is not None and now >= self.deadline and self.stop_reason is None:
            log.warning("schedule %s: run (pid %d) is over its time limit, stopping it", self.schedule_name, self.pid)
            self.stop("timed_out", signal.SIGTERM, now=now, grace=grace)
        if self.kill_at is not None and now >= self.kill_at and self.process.poll() is None:
            log.warning("schedule %s: run (pid %d) did not stop in time, killing it", self.schedule_name, self.pid)
            self._signal_group(signal.SIGKILL)
            self.kill_at = None

    def stop(self, reason: str, sig: signal.Signals, *, now: float, grace: float) -> None:
        """Ask the crawl to stop (``sig`` to the crawl alone) and kill its group ``grace`` seconds later."""
        if self.stop_reason is None:
            self.stop_reason = reason
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)
        deadline = now + grace
        self.kill_at = deadline if self.kill_at is None else min(self.kill_at, deadline)

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def _reap_group(self) -> None:
        # Extraction workers of a crawl killed with SIGKILL are left behind in its group.
        self._signal_group(signal.SIGKILL)


def _stop_with_parent(parent: int) -> Callable[[], None]:
    """A pre-exec hook (Linux): the child gets SIGTERM if the scheduler dies, so no crawl outlives its lease."""

    def hook() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # 1: PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the scheduler died before the line above
            os.kill(os.getpid(), signal.SIGTERM)

    return hook
