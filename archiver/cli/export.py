"""``archiver export``: the articles a search selects, in any registered format (JSONL, CSV, Markdown, WARC, WACZ, ...).

The formats come from :mod:`archiver.services.export.registry`, read when the command is built
(:class:`ExportCommand`): a format registered before the CLI runs is a ``--format`` choice, with
its help line, and nothing here changes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from typer.core import TyperCommand

from archiver.cli.common import err_console, fail, open_archive
from archiver.cli.filters import (
    AllVersionsOption,
    AuthorOption,
    LangOption,
    QueryArgument,
    SinceOption,
    SiteOption,
    SortOption,
    StatusOption,
    UntilOption,
    build_filters,
)
from archiver.services.export import Exporter, ExportSource, exporter, exporters
from archiver.services.export.registry import DEFAULT_TITLE
from storage.errors import WarcError

__all__ = ["ExportCommand", "export_command"]

_FORMATS_MARK = "FORMATS"


class ExportCommand(TyperCommand):
    """``archiver export`` with its ``--format`` choices and their help taken from the registry when built."""

    def __init__(self, *args: Any, params: list | None = None, help: str | None = None,  # noqa: A002 - click's name
                 **kwargs: Any) -> None:
        formats = exporters()
        names = [item.name for item in formats]
        for param in params or []:
            if param.name == "fmt":
                param.metavar = f"[{'|'.join(names)}]"
                param.help = f"One of {', '.join(names)} (see the list above)."
            elif param.name == "output":
                dirs = ", ".join(item.name for item in formats if item.writes_directory) or "none"
                streams = ", ".join(item.name for item in formats if not item.needs_output) or "none"
                param.help = f"File to write (a directory for {dirs}); '-' or none: stdout ({streams})."
        listing = "\n\n".join(f"{item.name}: {item.help}" for item in formats)
        super().__init__(*args, params=params, help=(help or "").replace(_FORMATS_MARK, listing), **kwargs)


def export_command(
    query: QueryArgument = "",
    fmt: Annotated[str, typer.Option("--format", "-f", help="The format.")] = "jsonl",
    output: Annotated[str | None, typer.Option("-o", "--output", metavar="PATH",
                                               help="File (or directory) to write.")] = None,
    author: AuthorOption = None,
    site: SiteOption = None,
    lang: LangOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    sort: SortOption = None,
    all_versions: AllVersionsOption = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Export at most N articles.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of a WACZ collection.")] = None,
) -> None:
    """Export the articles a search selects (same query and filters as search; default: all).

    Example: archiver export --author AFP --since 2023 --format wacz -o afp-2023.wacz

    FORMATS

    Each page is exported once, as its latest capture that matches, unless --all-versions.
    """
    chosen = exporter(fmt)  # an unknown format is a usage error (exit 2)
    filters = build_filters(query, author=author, site=site, lang=lang, since=since, until=until, status=status,
                            all_versions=all_versions, sort=sort)
    to_stdout = output in (None, "-")
    if to_stdout and chosen.needs_output:
        raise fail(f"--format {chosen.name} needs -o PATH", code=2)
    if not to_stdout:
        mismatch = suffix_mismatch(chosen, str(output), exporters())
        if mismatch:
            raise fail(mismatch, code=2)
    with open_archive(read_only=True) as archive, archive.export_selection(filters, limit=limit) as selected:
        articles = selected.articles
        first = next(articles, None)  # a query the index cannot parse raises here (exit 2)
        selection = _chain(first, articles)
        if chosen.writes_directory and Path(output).exists() and not Path(output).is_dir():  # type: ignore[arg-type]
            raise fail(f"{output} is a file: --format {chosen.name} writes one file per article into a directory",
                       code=2)
        source = ExportSource(catalogue=selected, warc_dir=archive.config.warc_dir, title=title or DEFAULT_TITLE,
                              warn=lambda line: err_console.print(line, markup=False))
        try:
            count = _write(chosen, source, selection, None if to_stdout else Path(output))  # type: ignore[arg-type]
        except WarcError as exc:
            raise fail(f"cannot export: {exc} (archiver verify checks the whole archive)") from None
        except OSError as exc:
            raise fail(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from None
    where = "stdout" if to_stdout else output
    err_console.print(f"exported {count} article(s) as {chosen.name} to {where}", markup=False, soft_wrap=True)


def suffix_mismatch(chosen: Exporter, output: str, formats: Iterable[Exporter]) -> str | None:
    """Why ``output`` is the wrong name for what ``chosen`` writes (None when it is not).

    A name ending in another format's suffix (``afp.csv`` for JSONL), or in the uncompressed
    form of a compressed format's (``all.warc`` for WARC, which is gzip: ``.warc.gz``), would say
    one thing and hold another. Names with no known suffix are left alone.
    """
    name = output.lower()
    if chosen.suffix and name.endswith(chosen.suffix):
        return None
    if chosen.suffix.endswith(".gz") and name.endswith(chosen.suffix[:-3]):
        return (f"{output}: --format {chosen.name} writes gzip, one member per record; "
                f"name the file {output}.gz")
    for other in formats:
        if other.name != chosen.name and other.suffix and name.endswith(other.suffix):
            return (f"{output} is named as --format {other.name}, but --format {chosen.name} writes "
                    f"{chosen.suffix or 'a directory'}: pick the format or the name that fits")
    return None


def _write(chosen: Exporter, source: ExportSource, selection: Iterator, output: Path | None) -> int:
    """Write the selection with ``chosen`` to ``output`` (None: stdout); return how many articles."""
    if chosen.writes_directory:
        return chosen.export(source, selection, output)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.flush()
        count = chosen.export(source, selection, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return count
    with _replacing(output, "wb") as out:
        return chosen.export(source, selection, out)  # type: ignore[arg-type]


def _chain(first: object, rest: Iterator) -> Iterator:
    if first is not None:
        yield first
        yield from rest


@contextmanager
def _replacing(path: Path, mode: str) -> Iterator[IO]:
    """A file written beside ``path`` and renamed onto it only when complete."""
    if path.is_dir():
        raise fail(f"{path} is a directory: give a file name", code=2)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    encoding = None if "b" in mode else "utf-8"
    try:
        with open(partial, mode, encoding=encoding, newline="" if encoding else None) as out:
            yield out
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
