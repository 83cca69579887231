"""What the record formats (JSON Lines, CSV) share: UTF-8 text over the binary output."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import IO, Any, BinaryIO

from archiver.services.export.registry import ExportSource
from storage.catalogue import Article
from storage.export import article_record

__all__ = ["text_records"]

_BATCH = 200


def text_records(write: Callable[[Iterator[Mapping[str, Any]], IO[str]], int], selection: Iterable[Article],
                 output: BinaryIO, source: ExportSource | None = None) -> int:
    """``write`` the articles' records to ``output`` as UTF-8 text; ``output`` stays open.

    With ``source``, each record names the page's screenshot (looked up a batch of pages at a time).
    """
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    try:
        return write(_records(selection, source), text)
    finally:
        text.flush()
        text.detach()


def _records(selection: Iterable[Article], source: ExportSource | None) -> Iterator[Mapping[str, Any]]:
    lookup = getattr(source.catalogue, "screenshots", None) if source is not None else None
    articles = iter(selection)
    while batch := list(islice(articles, _BATCH)):
        shots = lookup([a.capture_id for a in batch]) if lookup is not None else {}
        for article in batch:
            yield article_record(article.capture, article, screenshot=shots.get(article.capture_id))
