"""storage.processes: telling a live process from a dead, zombie or reused one."""

from __future__ import annotations

import os

from storage.processes import process_alive, process_start_time


def test_this_process_is_alive_and_keeps_its_start_time() -> None:
    assert process_alive(os.getpid())
    assert process_alive(os.getpid(), process_start_time(os.getpid()))


def test_no_pid_is_not_alive() -> None:
    assert not process_alive(None) and not process_alive(0) and not process_alive(-1)


