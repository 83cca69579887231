"""Scrapy's TLS context factory, imported without the stack walk that costs about a second.

``scrapy.core.downloader.contextfactory`` (imported by the HTTP/1.1 download handler the
archiver's handler extends) builds two deprecated aliases with ``create_deprecated_class``,
which calls ``inspect.stack()`` only to name the module the alias is defined in. ``inspect.stack``
reads the source of every frame on the stack and looks each one up among all loaded modules:
deep in the archiver's start-up (a thousand modules, an import chain dozens of frames deep) that
took 0.7-1.5 s of CPU, most of ``archiver archive URL``'s start. While the module is imported here,
``inspect.stack`` returns the frames alone (what Scrapy reads of them), which is the same answer
without reading any source. Anything else is untouched: the original is put back at once. Importing this module does it.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["frames_only_stack", "import_context_factory"]



def _frames(context: int = 1) -> list[tuple[FrameType]]:
    """The caller's stack, innermost first, as ``inspect.stack`` orders it: each entry holds its frame at [0]."""
    frames: list[tuple[FrameType]] = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        frames.append((frame,))
        frame = frame.f_back
    return frames


@contextmanager
def frames_only_stack() -> Iterator[None]:
    """Within the block, ``inspect.stack()`` lists the frames without their source lines."""
    original = inspect.stack
    inspect.stack = _frames  # type: ignore[assignment]
    try:
        yield
    finally:
        inspect.stack = original


def import_context_factory() -> None:
    """Import Scrapy's context factory module once, cheaply (nothing to do if it is loaded)."""
    if "scrapy.core.downloader.contextfactory" in sys.modules:
        return
    with frames_only_stack():
        import scrapy.core.downloader.contextfactory  # noqa: F401 - imported for the cache in sys.modules


import_context_factory()
