"""Exports that need the application's renderers (Markdown); the rest live in :mod:`storage.export`."""

from archiver.services.export.markdown import export_markdown, markdown_filename

__all__ = ["export_markdown", "markdown_filename"]
