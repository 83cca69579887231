"""Export formats (:mod:`.registry`) and the exports that need the application's renderers (Markdown).

The record, WARC and WACZ writers live in :mod:`storage.export`; each format's exporter here
wraps one writer.
"""

from archiver.services.export.markdown import export_markdown, markdown_filename
from archiver.services.export.registry import Exporter, ExportSource, exporter, exporters, register, unregister

__all__ = ["ExportSource", "Exporter", "export_markdown", "exporter", "exporters", "markdown_filename", "register",
           "unregister"]
