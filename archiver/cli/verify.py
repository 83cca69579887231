"""``archiver verify``: prove every catalogue row points at the WARC record it names."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from archiver.cli.common import console, err_console, open_archive, print_json
from storage.catalogue import queries
from storage.verify import verify_catalogue

__all__ = ["verify_command"]


def verify_command(
    json_output: Annotated[bool, typer.Option("--json", help="A JSON report on stdout.")] = False,
) -> None:
    """Check that each capture's record is at its file and offset, with the right type, id and URL.

    Example: archiver verify --json

    Exit status: 0 when catalogue and WARC files agree, 1 with the list of problems otherwise.
    """
    problems = []
    checked = 0
    with open_archive() as archive, archive.db.session() as session:
        total = queries.count_captures(session)
        with Progress(console=err_console, transient=True, disable=json_output or not err_console.is_terminal) as bar:
            task = bar.add_task("verifying", total=total)
            for _capture_id, found in verify_catalogue(session, archive.config.warc_dir):
                checked += 1
                problems.extend(found)
                bar.advance(task)
    if json_output:
        print_json({"ok": not problems, "checked": checked,
                    "problems": [vars(p) for p in problems]})
    else:
        for problem in problems:
            console.print(f"✗ {problem}", markup=False, soft_wrap=True)
        verdict = "OK" if not problems else f"{len(problems)} problem(s)"
        console.print(f"{checked} captures checked: {verdict}", markup=False)
    if problems:
        raise typer.Exit(1)
