"""storage.processes on a real child process: a zombie, reaped and reused PIDs are dead."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from storage.processes import process_alive, process_start_time


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="zombies and start times come from /proc")
def test_zombie_reaped_and_reused_pids_are_dead() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    started = process_start_time(child.pid)
    while os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT) is None:  # exited, not reaped: a zombie
        pass
    assert not process_alive(child.pid)
    child.wait()
    assert not process_alive(child.pid)
    assert not process_alive(os.getpid(), started)  # another process's start time: a reused PID
