"""``archiver verify``: prove that the catalogue and the WARC files agree, both ways."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from archiver.cli.common import console, err_console, open_archive, print_json

__all__ = ["verify_command"]


def verify_command(
    deep: Annotated[bool, typer.Option("--deep", help="Also recompute every block and payload digest.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="A JSON report on stdout.")] = False,
) -> None:
    """Check every catalogue row against its WARC record, and every WARC file against the catalogue.

    Rows: the record is at its file and offset, whole, with the right type, id and URL.
    Files: each closed WARC file reads to its end and each response/revisit in it has its row;
    with --deep every digest is recomputed.

    Example: archiver verify --deep --json

    Exit status: 0 when catalogue and WARC files agree, 1 with the list of problems otherwise.
    """
    problems = []
    checked = files = 0
    with (open_archive(read_only=True) as archive,
          archive.catalogue.verification(archive.config.warc_dir, deep=deep) as check):
        total = check.total
        show_bar = not json_output and err_console.is_terminal
        with Progress(console=err_console, transient=True, disable=not show_bar) as bar:
            task = bar.add_task("checking catalogue rows", total=total)
            for _capture_id, found in check.catalogue():
                checked += 1
                problems.extend(found)
                bar.advance(task)
            task = bar.add_task("reading WARC files", total=None)
            for _name, found in check.files():
                files += 1
                problems.extend(found)
                bar.advance(task)
    if json_output:
        print_json({"ok": not problems, "checked": checked, "files": files, "deep": deep,
                    "problems": [vars(p) for p in problems]})
    else:
        for problem in problems:
            console.print(f"✗ {problem}", markup=False, soft_wrap=True)
        verdict = "OK" if not problems else f"{len(problems)} problem(s)"
        console.print(f"{checked} captures and {files} WARC files checked{' (deep)' if deep else ''}: {verdict}",
                      markup=False)
    if problems:
        raise typer.Exit(1)
