"""Is a process on this machine still alive? Used to tell a dead writer's leftovers from live work.

A zombie (killed, not yet reaped: common where PID 1 is no init) counts as dead. Given the start
time read when the process was first seen, a PID the system has since given to another process
counts as dead too. Where there is no ``/proc``, only the signal-0 check is made.
"""

from __future__ import annotations

import os

__all__ = ["process_alive", "process_start_time"]


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of ``/proc/PID/stat`` after the command name (state first), or None without /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().rsplit(")", 1)[-1].split()
    except OSError:
        return None


def process_start_time(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot, as /proc gives it); None when unknown."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int | None, started: str | None = None) -> bool:
    """True when process ``pid`` runs on this machine (and, given ``started``, is the same process)."""
    if not pid or pid < 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, owned by someone else
    fields = _stat_fields(pid)
    if fields is None:
        return not os.path.isdir("/proc") or started is None
    if fields[0] == "Z":
        return False
    return started is None or (len(fields) > 19 and fields[19] == started)
