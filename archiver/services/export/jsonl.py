"""The ``jsonl`` export format: one JSON object per article (:mod:`storage.export.records`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from archiver.services.export.registry import ExportSource
from archiver.services.export.text import text_records
from storage.catalogue import Article
from storage.export import write_jsonl

__all__ = ["JsonlExporter", "exporter"]


class JsonlExporter:
    """JSON Lines: every catalogue field of each article, its text last."""

    name = "jsonl"
    help = "JSON Lines, one object per article with every catalogue field and the text."
    needs_output = False
    writes_directory = False
    suffix = ".jsonl"
    media_type = "application/x-ndjson; charset=utf-8"

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO) -> int:  # type: ignore[override]
        """Write one line per article to ``output``; return how many."""
        return text_records(write_jsonl, selection, output, source)


exporter = JsonlExporter()
