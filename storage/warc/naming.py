"""WARC file names: ``PREFIX-YYYYMMDDhhmmssffffff-SERIAL-HOST-PID.warc.gz``.

Names sort by creation time (then serial) within a prefix, and are unique across hosts and
processes. A file being written carries the extra suffix ``.open`` until it is closed.
"""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime

__all__ = [
    "ARCHIVE_SUFFIXES", "ARC_SUFFIXES", "OPEN_SUFFIX", "WARC_SUFFIX", "final_name", "is_open_name", "warc_filename",
]

WARC_SUFFIX = ".warc.gz"
OPEN_SUFFIX = ".open"
#: Names of ARC files (catalogued where they are, by reindex).
ARC_SUFFIXES = (".arc.gz", ".arc")
#: Names of every file the archive reads records from: ours, other tools' WARCs, ARCs.
ARCHIVE_SUFFIXES = (WARC_SUFFIX, ".warc", *ARC_SUFFIXES)
_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")


def warc_filename(prefix: str, serial: int, *, when: datetime | None = None,
                  host: str | None = None, pid: int) -> str:
    """Return the final (closed) name of a WARC file."""
    when = (when or datetime.now(UTC)).astimezone(UTC)
    host = _UNSAFE.sub("_", host or socket.gethostname()) or "host"
    return f"{prefix}-{when:%Y%m%d%H%M%S%f}-{serial:05d}-{host}-{pid}{WARC_SUFFIX}"


def is_open_name(name: str) -> bool:
    """True for the name of a file still being written (``*.warc.gz.open``)."""
    return name.endswith(WARC_SUFFIX + OPEN_SUFFIX)


def final_name(name: str) -> str:
    """The closed name of a file, whether given its open or closed name."""
    return name[: -len(OPEN_SUFFIX)] if is_open_name(name) else name
