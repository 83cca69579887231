"""Run an export into a stream of byte chunks (for HTTP), with memory bounded by a small queue.

The exporter writes to a file object on a worker thread; the caller iterates the chunks. An
error raised before the first chunk (a bad search query) is raised by :func:`stream_export`
itself, so an HTTP edge can still answer with an error status instead of a broken body.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import BinaryIO

__all__ = ["stream_export"]

_DONE = object()
_CHUNK = 64 * 1024


class _QueueWriter:
    """A write-only binary file object handing full chunks to a bounded queue."""

    def __init__(self, chunks: queue.Queue) -> None:
        self._chunks = chunks
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._chunks.put(bytes(self._buffer))
            self._buffer.clear()

    # what io.TextIOWrapper asks of the binary file it wraps
    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return False


def stream_export(run: Callable[[BinaryIO], object]) -> Iterator[bytes]:
    """Start ``run(output)`` on a thread; return an iterator of what it writes.

    Waits for the first chunk (or the end): an exception raised by then is raised here;
    one raised later ends the iteration with that exception.
    """
    chunks: queue.Queue = queue.Queue(maxsize=8)

    def work() -> None:
        writer = _QueueWriter(chunks)
        try:
            run(writer)  # type: ignore[arg-type]
            writer.flush()
            chunks.put(_DONE)
        except BaseException as exc:  # handed over to the reader, which re-raises it
            chunks.put(exc)

    threading.Thread(target=work, name="export-stream", daemon=True).start()
    first = chunks.get()
    if isinstance(first, BaseException):
        raise first

    def rest() -> Iterator[bytes]:
        item = first
        while item is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
            item = chunks.get()

    return rest()
