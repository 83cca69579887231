"""Export articles as Markdown, one file per article, in the seed format.

Each file is :func:`archiver.services.render.to_markdown` of one article.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from archiver.services.render import to_markdown
from storage.catalogue import Article

__all__ = ["MarkdownExporter", "export_markdown", "exporter", "markdown_filename"]

log = logging.getLogger(__name__)
_SLUG_WORDS = 10


def markdown_filename(article: Article) -> str:
    """``YYYY-MM-DD-title-words-<capture id>.md``: sorts by date, stays unique per capture.

    The date is the published day, or the capture day when the page gave none.
    """
    day = (article.published or "")[:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        day = f"{article.capture.fetched_at:%Y-%m-%d}"
    return f"{day}-{_slug(article.title or article.capture.url)}-{article.capture_id}.md"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:_SLUG_WORDS]
    if not words:  # a title in a non-Latin script keeps its own letters
        words = re.findall(r"\w+", text.lower())[:_SLUG_WORDS]
    return "-".join(words)[:80].strip("-") or "article"


def export_markdown(articles: Iterable[Article], directory: Path) -> list[Path]:
    """Write each article to ``directory`` (created if needed); return the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for article in articles:
        path = directory / markdown_filename(article)
        path.write_text(to_markdown(article.capture, article), encoding="utf-8")
        written.append(path)
    log.info("wrote %d Markdown files to %s", len(written), directory)
    return written


class MarkdownExporter:
    """The ``markdown`` export format: :func:`export_markdown` into a directory."""

    name = "markdown"
    help = "one Markdown file per article, in a directory."
    needs_output = True
    writes_directory = True
    suffix = ""
    media_type = "text/markdown; charset=utf-8"

    def export(self, source: object, selection: Iterable[Article], output: Path) -> int:  # type: ignore[override]
        """Write one file per article into ``output``; return how many."""
        return len(export_markdown(selection, output))


exporter = MarkdownExporter()
