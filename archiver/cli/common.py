"""What every command shares: opening the archive, finding a capture, shaping output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from storage import Archive, StorageConfig
from storage.catalogue import Article, Capture

__all__ = ["capture_record", "console", "err_console", "fail", "find_capture", "open_archive", "print_json"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def open_archive(config: StorageConfig | None = None) -> Iterator[Archive]:
    """The archive of ``config``, by default the one ARCHIVER_HOME etc. name (migrated, closed after use)."""
    archive = Archive(config or StorageConfig.from_env(os.environ))
    try:
        yield archive
    finally:
        archive.close()


def find_capture(archive: Archive, ref: str) -> Capture:
    """A capture by id (digits) or the latest capture of a URL (requested or final)."""
    from spiders.urls import validate_url

    catalogue = archive.catalogue
    if ref.isdigit():
        capture = catalogue.get_capture(int(ref))
    else:
        capture = catalogue.latest_capture(ref)
        if capture is None:
            try:
                capture = catalogue.latest_capture(validate_url(ref))
            except ValueError:
                capture = None
    if capture is None:
        raise fail(f"nothing archived for {ref!r}")
    return capture


def capture_record(capture: Capture, article: Article | None, *, with_text: bool = False) -> dict[str, Any]:
    """A capture (and its article) as the JSON object every command prints."""
    record: dict[str, Any] = {
        "id": capture.id,
        "url": capture.requested_url,
        "final_url": capture.url,
        "status": capture.status,
        "content_type": capture.content_type,
        "fetched_at": capture.fetched_at.isoformat().replace("+00:00", "Z"),
        "title": article.title if article else None,
        "author": (article.author if article else None),
        "authors": list(article.authors) if article else [],
        "published": article.published if article else None,
        "modified": article.modified if article else None,
        "sitename": article.sitename if article else None,
        "language": article.language if article else None,
        "description": article.description if article else None,
        "canonical_url": article.canonical_url if article else None,
        "word_count": article.word_count if article else 0,
        "listing": (article.listing or None) if article else None,
        "warc_file": capture.warc_file,
        "warc_offset": capture.warc_offset,
        "warc_length": capture.warc_length,
        "record_type": capture.record_type,
        "payload_digest": capture.payload_digest,
        "revisit_of": capture.revisit_of_id,
        "truncated": capture.truncated,
        "redirect_location": capture.redirect_location,
        "error": capture.error,
    }
    if with_text:
        record["text"] = article.text if article else None
    return record


def print_json(data: Any) -> None:
    """One JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
