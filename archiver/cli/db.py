"""``archiver db``: schema upgrades and copying a SQLite catalogue into another database."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from archiver.cli.common import console, current_config, err_console, print_json
from storage.catalogue.migrate import copy_catalogue, upgrade_database

__all__ = ["db_app"]

db_app = typer.Typer(
    no_args_is_help=True,
    help="Catalogue database: upgrade the schema, copy a catalogue into another database.\n\n"
         "Example: ARCHIVER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/archive "
         "archiver db migrate-from sqlite:///archive/catalogue.sqlite",
)


@db_app.command("upgrade")
def upgrade_command(
    json_output: Annotated[bool, typer.Option("--json", help="The revisions as one JSON object.")] = False,
) -> None:
    """Apply pending schema migrations to the catalogue (ARCHIVER_DATABASE_URL or the home's SQLite file).

    Example: ARCHIVER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/archive archiver db upgrade
    """
    config = current_config().storage
    report = upgrade_database(config.database_url)
    if json_output:
        print_json({"before": report.before, "after": report.after, "head": report.head, "changed": report.changed})
        return
    if report.changed:
        console.print(f"upgraded {report.before or '(empty)'} -> {report.after}", markup=False)
    else:
        console.print(f"already at {report.after}", markup=False)


@db_app.command("migrate-from")
def migrate_from_command(
    source: Annotated[str, typer.Argument(metavar="SOURCE_URL", help="The catalogue to copy, e.g. sqlite:///old.sqlite")],
    force: Annotated[bool, typer.Option("--force", help="Replace the rows of a non-empty target.")] = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per insert batch.")] = 1000,
    json_output: Annotated[bool, typer.Option("--json", help="Rows copied per table as one JSON object.")] = False,
) -> None:
    """Copy a catalogue (ids kept) into the configured one (ARCHIVER_DATABASE_URL), typically PostgreSQL.

    Example: ARCHIVER_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/archive
    archiver db migrate-from sqlite:///archive/catalogue.sqlite

    The target must be empty unless --force is given. WARC files are not copied: the
    catalogue keeps pointing at the same paths, so the workers must see the same WARC directory.
    """
    config = current_config().storage
    if json_output:
        report = copy_catalogue(source, config.database_url, force=force, batch_size=batch_size)
        print_json({"source": report.source, "target": report.target, "tables": report.tables, "total": report.total})
        return
    with Progress(TextColumn("{task.description:<16}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=False) as bar:
        tasks: dict[str, int] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total or 1, completed=0 if total else 1)
            if total:
                bar.update(tasks[table], completed=done)

        report = copy_catalogue(source, config.database_url, force=force, batch_size=batch_size, progress=progress)
    console.print(f"copied {report.total} rows from {report.source} into {report.target}", markup=False)
