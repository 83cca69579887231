"""Export formats: the :class:`Exporter` protocol and the registry every edge reads its formats from.

A format is one module defining an exporter, registered once: the built-in ones are listed in
:data:`BUILTIN`, a plugin package adds one through the ``archiver.exporters`` entry-point group
(the entry point names an exporter object, or a class made with no arguments), and code may call
:func:`register`. ``archiver export --format`` and ``GET /api/export/formats`` list
:func:`exporters`.

    class Toy:
        name = "toy"
        help = "One line per article: its URL."
        needs_output = False        # False: may go to stdout / be streamed over HTTP
        writes_directory = False    # True: ``output`` is a directory Path, not a file object
        suffix = ".txt"
        media_type = "text/plain; charset=utf-8"

        def export(self, source, selection, output) -> int:
            ...                     # write to ``output``; return how many articles

    register(Toy())
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from archiver.core.errors import UsageError
from storage.catalogue import Article
from storage.export import ExportSelection

__all__ = ["BUILTIN", "ENTRY_POINT_GROUP", "ExportSource", "Exporter", "exporter", "exporters", "register",
           "unregister"]

log = logging.getLogger(__name__)

#: The built-in formats, ``module:attribute``, in the order the CLI and the API list them.
BUILTIN = (
    "archiver.services.export.jsonl:exporter",
    "archiver.services.export.csv:exporter",
    "archiver.services.export.markdown:exporter",
    "archiver.services.export.warc:exporter",
    "archiver.services.export.wacz:exporter",
)
ENTRY_POINT_GROUP = "archiver.exporters"
DEFAULT_TITLE = "news-archiver export"


def _log_warning(message: str) -> None:
    log.warning("%s", message)


@dataclass(frozen=True, kw_only=True)
class ExportSource:
    """What an exporter may read besides the selection: the catalogue's selection (its WARC and WACZ
    writers, :class:`storage.export.ExportSelection`) and the WARC files.

    ``warn`` receives what an export left out (a record not found, ...), one line each.
    """

    catalogue: ExportSelection
    warc_dir: Path
    title: str = DEFAULT_TITLE
    warn: Callable[[str], None] = field(default=_log_warning)


@runtime_checkable
class Exporter(Protocol):
    """One export format."""

    name: str               #: what ``--format`` / ``?format=`` take
    help: str               #: one line, shown in ``archiver export --help`` and the API
    needs_output: bool      #: needs ``-o PATH`` (cannot go to stdout, cannot be streamed)
    writes_directory: bool  #: ``output`` is a directory :class:`Path` (else a binary file object)
    suffix: str             #: default file suffix (``.jsonl``; empty for a directory)
    media_type: str         #: Content-Type when streamed over HTTP

    def export(self, source: ExportSource, selection: Iterable[Article], output: BinaryIO | Path) -> int:
        """Write ``selection`` to ``output``; return how many articles (or captures) were exported."""
        ...


_registry: dict[str, Exporter] = {}
_loaded = False


def register(exporter: Exporter, *, replace: bool = False) -> Exporter:
    """Add a format (``replace``: over one of the same name); return it. Raises :class:`ValueError`."""
    _load()
    missing = [attr for attr in ("name", "help", "needs_output", "writes_directory", "suffix", "media_type",
                                 "export") if not hasattr(exporter, attr)]
    if missing:
        raise ValueError(f"exporter {exporter!r} lacks {', '.join(missing)}")
    name = exporter.name
    if not name or not name.replace("-", "").replace("_", "").isalnum():
        raise ValueError(f"exporter name {name!r}: use letters, digits, '-' and '_'")
    if name in _registry and not replace:
        raise ValueError(f"an exporter named {name!r} is already registered")
    _registry[name] = exporter
    return exporter


def unregister(name: str) -> None:
    """Remove a format (tests, plugins replacing a built-in)."""
    _registry.pop(name, None)


def exporters() -> list[Exporter]:
    """Every registered format, built-ins first."""
    _load()
    return list(_registry.values())


def exporter(name: str) -> Exporter:
    """The format called ``name``; :class:`UsageError` naming the known ones otherwise."""
    _load()
    try:
        return _registry[name]
    except KeyError:
        raise UsageError(f"unknown export format {name!r} (use {', '.join(_registry)})") from None


def _load() -> None:
    """Register the built-ins, then the plugins' entry points, once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for spec in BUILTIN:
        module, _, attr = spec.partition(":")
        _add(getattr(importlib.import_module(module), attr), spec)
    for point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found = point.load()
            _add(found() if isinstance(found, type) else found, point.value)
        except Exception as exc:  # a broken plugin must not take the CLI down with it
            log.warning("export format plugin %s (%s) not loaded: %s", point.name, point.value, exc)


def _add(found: Exporter, origin: str) -> None:
    try:
        register(found)
    except ValueError as exc:
        log.warning("export format from %s not registered: %s", origin, exc)
