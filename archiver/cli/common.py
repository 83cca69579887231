"""What every command shares: the config, opening the archive, finding a capture, shaping output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from archiver.core.config import ArchiverConfig
from storage import Archive, StorageConfig
from storage.articles import ArticleData
from storage.catalogue import Article, Capture
from storage.timefmt import format_iso

__all__ = ["RECORD_ARTICLE_FIELDS", "CliState", "capture_record", "console", "current_config", "err_console", "fail",
           "find_capture", "open_archive", "parse_setting_overrides", "print_json", "start_command"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

#: The article's fields in a capture's JSON object, in this order: :class:`ArticleData` fields
#: and the catalogue's derived ``author`` (the text is added on request, the rest is left out).
RECORD_ARTICLE_FIELDS = ("title", "author", "authors", "published", "modified", "sitename", "language",
                         "description", "canonical_url", "word_count", "listing")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code)


@dataclass
class CliState:
    """What the ``archiver`` group's options set for the command that runs (``--home``), and its config."""

    home: Path | None = None
    config: ArchiverConfig | None = None


_STATE: ContextVar[CliState | None] = ContextVar("archiver_cli_state", default=None)


def start_command(home: Path | None) -> None:
    """Called by the ``archiver`` group before each command: what its options say for the command."""
    _STATE.set(CliState(home=home))


def _state() -> CliState:
    state = _STATE.get()
    if state is None:
        state = CliState()
        _STATE.set(state)
    return state


def current_config(options: Mapping[str, Any] | None = None) -> ArchiverConfig:
    """The config of this command: ``--home``, ``options`` (``-s`` pairs), environment, archiver.toml, defaults.

    Loaded once per command (again only when ``options`` are given).
    """
    state = _state()
    if options:
        return ArchiverConfig.load(home=state.home, options=options)
    if state.config is None:
        state.config = ArchiverConfig.load(home=state.home)
    return state.config


def parse_setting_overrides(pairs: list[str]) -> dict[str, str]:
    """``["NAME=VALUE", ...]`` (``-s``) as a dict; a pair without ``=`` is a usage error."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise fail(f"-s takes NAME=VALUE, got {pair!r}", code=2)
        overrides[name.strip()] = value
    return overrides


@contextmanager
def open_archive(config: StorageConfig | None = None, **kwargs: Any) -> Iterator[Archive]:
    """The archive of ``config``, by default this command's (migrated, closed after use)."""
    archive = Archive(config or current_config().storage, **kwargs)
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
        "fetched_at": format_iso(capture.fetched_at),
    }
    shown = article if article is not None else ArticleData()  # no article: the fields' defaults
    for name in RECORD_ARTICLE_FIELDS:
        value = getattr(shown, name, None)
        record[name] = list(value) if name == "authors" else (value or None) if name == "listing" else value
    record.update({
        "warc_file": capture.warc_file,
        "warc_offset": capture.warc_offset,
        "warc_length": capture.warc_length,
        "record_type": capture.record_type,
        "payload_digest": capture.payload_digest,
        "revisit_of": capture.revisit_of_id,
        "truncated": capture.truncated,
        "redirect_location": capture.redirect_location,
        "error": capture.error,
    })
    if with_text:
        record["text"] = article.text if article else None
    return record


def print_json(data: Any) -> None:
    """One JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
