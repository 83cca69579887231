"""``archiver export``: the articles a search selects, as JSONL, CSV, Markdown, WARC or WACZ."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated

import typer

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
from archiver.services.export import export_markdown
from storage import Archive
from storage.catalogue import Article, ExportSelection
from storage.errors import SearchQueryError, WarcError
from storage.export import article_record, write_csv, write_jsonl

__all__ = ["ExportFormat", "export_command"]


class ExportFormat(StrEnum):
    """What ``export`` can write."""

    jsonl = "jsonl"
    csv = "csv"
    markdown = "markdown"
    warc = "warc"
    wacz = "wacz"


def export_command(
    query: QueryArgument = "",
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="jsonl, csv, markdown, warc or wacz.")]
    = ExportFormat.jsonl,
    output: Annotated[str | None, typer.Option("-o", "--output", metavar="PATH",
                                               help="File to write (a directory for markdown); "
                                                    "'-' or none: stdout (jsonl, csv).")] = None,
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

    jsonl and csv: one record per article with every catalogue field and the text. markdown:
    one file per article in a directory. warc: the captures' records (request, response or
    revisit with the response it repeats, conversion, metadata, warcinfo) copied byte for
    byte. wacz: that WARC with a CDXJ index and a page list, for ReplayWeb.page and pywb.
    Each page is exported once, as its latest capture that matches, unless --all-versions.
    """
    filters = build_filters(query, author=author, site=site, lang=lang, since=since, until=until, status=status,
                            all_versions=all_versions, sort=sort)
    to_stdout = output in (None, "-")
    if to_stdout and fmt not in (ExportFormat.jsonl, ExportFormat.csv):
        raise fail(f"--format {fmt.value} needs -o PATH", code=2)
    with open_archive() as archive, archive.catalogue.export_selection(filters, limit=limit) as chosen:
        try:
            articles = chosen.articles
            first = next(articles, None)
        except SearchQueryError as exc:
            raise fail(str(exc), code=2) from None
        selection = _chain(first, articles)
        if fmt is ExportFormat.markdown and Path(output).exists() and not Path(output).is_dir():  # type: ignore[arg-type]
            raise fail(f"{output} is a file: --format markdown writes one file per article into a directory", code=2)
        try:
            count = _write(fmt, selection, None if to_stdout else Path(output), chosen, archive,  # type: ignore[arg-type]
                           title=title or "news-archiver export")
        except WarcError as exc:
            raise fail(f"cannot export: {exc} (archiver verify checks the whole archive)") from None
        except OSError as exc:
            raise fail(f"cannot write {exc.filename or output}: {exc.strerror or exc}") from None
    where = "stdout" if to_stdout else output
    err_console.print(f"exported {count} article(s) as {fmt.value} to {where}", markup=False, soft_wrap=True)


def _write(fmt: ExportFormat, selection: Iterator[Article], output: Path | None, chosen: ExportSelection,
           archive: Archive, *, title: str) -> int:
    """Write the selection in ``fmt`` to ``output`` (None: stdout); return how many articles."""
    if fmt is ExportFormat.markdown:
        return len(export_markdown(selection, output))  # type: ignore[arg-type]
    if fmt in (ExportFormat.jsonl, ExportFormat.csv):
        records = (article_record(a.capture, a) for a in selection)
        write = write_jsonl if fmt is ExportFormat.jsonl else write_csv
        if output is None:
            count = write(records, sys.stdout)
            sys.stdout.flush()
            return count
        with _replacing(output, "w") as out:
            return write(records, out)
    if fmt is ExportFormat.warc:
        ids = [a.capture_id for a in selection]
        with _replacing(output, "wb") as out:  # type: ignore[arg-type]
            summary = chosen.write_warc(archive.config.warc_dir, ids, out)  # type: ignore[arg-type]
        for problem in summary.missing:
            err_console.print(f"warning: {problem} not found; left out", markup=False)
        return summary.captures
    with _replacing(output, "wb") as out:  # type: ignore[arg-type]
        return chosen.write_wacz(archive.config.warc_dir, selection, out, title=title).pages  # type: ignore[arg-type]


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
