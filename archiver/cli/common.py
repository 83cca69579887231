"""What every command shares: the config, opening the archive, finding a capture, shaping output."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import typer
from rich.table import Table

from archiver.cli.state import CliState, console, err_console, start_command
from archiver.cli.state import state as cli_state
from archiver.core.config import ArchiverConfig
from archiver.services.records import RECORD_ARTICLE_FIELDS, capture_record
from storage import Archive, StorageConfig
from storage.catalogue import Capture

__all__ = ["RECORD_ARTICLE_FIELDS", "CliState", "capture_record", "console", "current_config", "err_console", "fail",
           "find_capture", "fit", "log_settings", "open_archive", "parse_setting_overrides", "print_json",
           "start_command"]


def fit(table: Table) -> Table:
    """``table`` made to fit the terminal (80 columns too): cells wrap and long words fold, never cut to ``…``.

    A column declared ``no_wrap`` (a host name) stays whole; the others give way around it.
    """
    for column in table.columns:
        if not column.no_wrap:
            column.overflow = "fold"
    return table


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    err_console.print(f"[red]error:[/red] {message}", markup=True, soft_wrap=True)
    return typer.Exit(code)


def current_config(options: Mapping[str, Any] | None = None) -> ArchiverConfig:
    """The config of this command: ``--home``, ``options`` (``-s`` pairs), environment, archiver.toml, defaults.

    Loaded once per command (again only when ``options`` are given).
    """
    state = cli_state()
    if options:
        return ArchiverConfig.load(home=state.home, options=options)
    if state.config is None:
        state.config = ArchiverConfig.load(home=state.home)
    return state.config


def log_settings(verbose: bool) -> dict[str, str]:
    """The crawler's log levels for a command: its own log with ``-v``; else warnings, and none of Scrapy's lines.

    Without ``-v`` a failed fetch is reported once, in the command's result (line, JSON, run counts).
    """
    if verbose:
        return {"LOG_LEVEL": "INFO"}
    return {"LOG_LEVEL": "WARNING", "ARCHIVER_SCRAPY_LOG_LEVEL": "CRITICAL"}


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


def print_json(data: Any) -> None:
    """One JSON object on one line of stdout."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
    sys.stdout.flush()
