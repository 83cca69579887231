"""``archiver reindex``: rebuild or complete the catalogue from WARC files alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from archiver.cli.common import console, open_archive, print_json

__all__ = ["reindex_command"]


def reindex_command(
    files: Annotated[list[Path] | None, typer.Argument(
        metavar="[WARC]...", help="WARC or ARC files (default: the archive's).", show_default=False)] = None,
    from_scratch: Annotated[
        bool, typer.Option("--from-scratch", help="Forget every capture first, then rebuild.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="A JSON summary on stdout.")] = False,
) -> None:
    """Catalogue WARC records that have no row yet; running it again changes nothing.

    Articles come from our conversion and metadata records, or are extracted again from the
    archived HTML (for WARCs written by other tools, e.g. wget --warc-file, which are copied
    into the archive first). Reads WARC and ARC files, plain or gzipped; a file gzipped as one
    whole is repacked with one gzip member per record. Other files: one line and exit 2.

    Example: archiver reindex --from-scratch
    """
    from archiver.services.reindex import reindex  # loads the extractor: only when needed

    with open_archive() as archive:
        result = reindex(archive, files or [], from_scratch=from_scratch)
    summary = {"records": result.records, "captures_added": result.captures_added,
               "articles_added": result.articles_added, "problems": result.problems}
    if json_output:
        print_json(summary)
        return
    for problem in result.problems:
        console.print(f"✗ {problem}", markup=False, soft_wrap=True)
    console.print(f"{result.records} records read: {result.captures_added} captures and "
                  f"{result.articles_added} articles added", markup=False)
