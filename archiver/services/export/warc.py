"""The ``warc`` export format: the captures' records copied byte for byte (:mod:`storage.export.warc`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from archiver.services.export.registry import ExportSource
from storage.catalogue import Article

__all__ = ["WarcExporter", "exporter"]


class WarcExporter:
    """One WARC of the selected captures' records; what is left out goes to ``source.warn``."""

    name = "warc"
    help = ("the captures' records (request, response or revisit with the response it repeats, "
            "conversion, metadata, warcinfo) and those of each page's requisites, copied byte for byte.")
    needs_output = True
    writes_directory = False
    suffix = ".warc.gz"
    media_type = "application/warc"

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO) -> int:  # type: ignore[override]
        """Write the records to ``output``; return how many captures."""
        summary = source.catalogue.write_warc(source.warc_dir, [a.capture_id for a in selection], output)
        for problem in summary.missing:
            source.warn(f"warning: {problem} not found; left out")
        return summary.captures


exporter = WarcExporter()
