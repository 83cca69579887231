"""The ``csv`` export format: a header row and one row per article (:mod:`storage.export.records`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from archiver.services.export.registry import ExportSource
from archiver.services.export.text import text_records
from storage.catalogue import Article
from storage.export import write_csv

__all__ = ["CsvExporter", "exporter"]


class CsvExporter:
    """CSV: the fields of the JSON Lines export, lists and mappings as JSON."""

    name = "csv"
    help = "a header row, then one row per article (lists and mappings as JSON)."
    needs_output = False
    writes_directory = False
    suffix = ".csv"
    media_type = "text/csv; charset=utf-8"

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO) -> int:  # type: ignore[override]
        """Write the header and one row per article to ``output``; return how many."""
        return text_records(write_csv, selection, output, source)


exporter = CsvExporter()
