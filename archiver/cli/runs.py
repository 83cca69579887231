"""``archiver runs``: the crawl runs, newest first; ``archiver runs show ID``: one run in detail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from archiver.cli.common import console, fail, fit, open_archive, print_json
from archiver.services.records import run_record

__all__ = ["option_text", "run_record", "runs_app"]

runs_app = typer.Typer(no_args_is_help=False, invoke_without_command=True)


@runs_app.callback()
def runs_command(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
    limit: Annotated[int, typer.Option("--limit", help="Show at most this many runs.", min=1)] = 50,
    schedule: Annotated[str | None, typer.Option("--schedule", help="Only the runs of this schedule.",
                                                 show_default=False)] = None,
) -> None:
    """List crawl runs, newest first, with how they ended and their counts.

    Example: archiver runs --json
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_archive(read_only=True) as archive:
        schedule_id = None
        if schedule is not None:
            found = archive.catalogue.schedule(schedule)
            if found is None:
                raise fail(f"no schedule named {schedule!r} (see `archiver schedule list`)")
            schedule_id = found.id
        records = [run_record(run) for run in archive.catalogue.runs(limit=limit, schedule_id=schedule_id)]
    if json_output:
        for record in records:
            print_json(record)
        return
    table = Table("id", "name (kind)", "status", "started (UTC)", "pages", "articles", "new", "revisits", "errors",
                  box=None, header_style="bold", pad_edge=False)
    for r in records:
        c = r["counts"]
        started = (r["started_at"] or "")[:16].replace("T", " ")
        table.add_row(str(r["id"]), f"{escape(r['name'] or '')} [dim]({r['kind']})[/dim]", r["status"], started,
                      *(str(c.get(k, "")) for k in ("pages", "articles", "new_articles", "revisits", "errors")))
    console.print(fit(table))


@runs_app.command("show")
def show_run(
    run_id: Annotated[int, typer.Argument(help="The run's id (see `archiver runs`).")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Show one crawl run: start URL, options, timing, how it ended, counts and crawler stats.

    Example: archiver runs show 3 --json
    """
    with open_archive(read_only=True) as archive:
        run = archive.catalogue.run(run_id)
        if run is None:
            raise fail(f"no crawl run {run_id}")
        record = run_record(run, detail=True)
    if json_output:
        print_json(record)
        return
    for key in ("id", "name", "kind", "start", "status", "close_reason", "started_at", "finished_at", "resumed_from"):
        if record.get(key) is not None:
            console.print(f"[bold]{key}[/bold]: {escape(str(record[key]))}", soft_wrap=True)
    if record["options"]:
        console.print("[bold]options[/bold]:")
        for name, value in record["options"].items():
            console.print(f"  {escape(name)}: {escape(option_text(value))}", soft_wrap=True)
    for key, value in record["counts"].items():
        console.print(f"  {key}: {value}")
    if record["robots_refused"]:
        console.print("[bold]refused by robots.txt[/bold]:")
        for url in record["robots_refused"]:
            console.print(f"  {escape(url)}", soft_wrap=True)


def option_text(value: object) -> str:
    """An option's value as typed on a command line: lists joined, yes/no, nothing as ``-``."""
    if value is None or value == [] or value == {}:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(option_text(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}={option_text(item)}" for key, item in value.items())
    return str(value)
