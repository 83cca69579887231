"""What the record formats (JSON Lines, CSV) share: UTF-8 text over the binary output."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import IO, Any, BinaryIO

from storage.catalogue import Article
from storage.export import article_record

__all__ = ["text_records"]


def text_records(write: Callable[[Iterator[Mapping[str, Any]], IO[str]], int], selection: Iterable[Article],
                 output: BinaryIO) -> int:
    """``write`` the articles' records to ``output`` as UTF-8 text; ``output`` stays open."""
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    try:
        return write((article_record(a.capture, a) for a in selection), text)
    finally:
        text.flush()
        text.detach()
