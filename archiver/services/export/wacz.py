"""The ``wacz`` export format: a WARC, its CDXJ index in gzip blocks and a page list (:mod:`storage.export.wacz`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

from archiver.services.export.registry import ExportSource
from storage.catalogue import Article

__all__ = ["WaczExporter", "exporter"]


class WaczExporter:
    """A WACZ collection titled ``source.title``, for ReplayWeb.page and pywb."""

    name = "wacz"
    help = "the WARC export with a CDXJ index and a page list, for ReplayWeb.page and pywb."
    needs_output = True
    writes_directory = False
    suffix = ".wacz"
    media_type = "application/wacz"

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO) -> int:  # type: ignore[override]
        """Write the WACZ to ``output`` (seekable); return how many pages."""
        return source.catalogue.write_wacz(source.warc_dir, selection, output, title=source.title).pages


exporter = WaczExporter()
