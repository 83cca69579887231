"""Free space on a file system, and sizes written for people.

Used to say how much room is left when a write fails for lack of it, and by the free-space
floor (``ARCHIVER_MIN_FREE``) that stops a crawl before the disk is full.
"""

from __future__ import annotations

import os

__all__ = ["format_size", "free_bytes"]


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Bytes an unprivileged writer may still use on the file system of ``path`` (its nearest existing parent)."""
    probe = os.path.abspath(path)
    while probe and not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    try:
        stat = os.statvfs(probe)
    except OSError:
        return None
    return stat.f_bavail * stat.f_frsize


def format_size(size: float) -> str:
    """``size`` bytes for people: ``512 B``, ``12.0 KB``, ``1.5 GB`` (powers of 1000, as parse_size reads them)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")
