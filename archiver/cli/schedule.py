"""``archiver schedule ...``: add, list, show, pause, resume, remove and run crawl schedules."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape
from rich.table import Table

from archiver.cli.common import console, current_config, fail, fit, print_json
from archiver.core.durations import DurationError, parse_duration
from archiver.services.records import schedule_record, schedule_records
from archiver.services.scheduling import CronSpec, ScheduleError
from archiver.services.scheduling.config import SchedulerConfig
from archiver.services.scheduling.crawlargs import check_crawl_args
from archiver.services.scheduling.daemon import Scheduler
from storage.catalogue import Catalogue, Database, DuplicateSchedule, RunSummary, Schedule, utcnow
from storage.timefmt import format_iso, parse_iso_or_none

__all__ = ["open_catalogue", "schedule_app", "schedule_record", "schedule_records", "scheduler_config"]

_NAME = re.compile(r"\w[\w.-]{0,199}")

schedule_app = typer.Typer(
    help="Crawl schedules: cron expression + crawl options, run by `archiver scheduler`.\n\n"
         "Example: archiver schedule add hourly-news --cron \"0 * * * *\" -- --sitemap https://news.example/sitemap.xml",
    no_args_is_help=True,
)


@contextmanager
def open_catalogue() -> Iterator[Catalogue]:
    """The catalogue of this command's config (migrated, closed after use)."""
    db = Database(current_config().storage.database_url)
    try:
        yield Catalogue(db)
    finally:
        db.close()


def scheduler_config(**overrides: Any) -> SchedulerConfig:
    """The scheduler settings (defaults, environment, then ``overrides``); a bad one is a usage error."""
    try:
        return SchedulerConfig.from_config(current_config(), **overrides)
    except ScheduleError as exc:
        raise fail(str(exc), code=2) from None


def _find(catalogue: Catalogue, name: str) -> Schedule:
    schedule = catalogue.schedule(name)
    if schedule is None:
        raise fail(f"no schedule named {name!r} (see `archiver schedule list`)")
    return schedule


def _spec(schedule: Schedule) -> CronSpec | None:
    try:
        return CronSpec.parse(schedule.cron, schedule.timezone)
    except ScheduleError:
        return None


def _local(moment: datetime | None, timezone: str) -> str:
    if moment is None:
        return "-"
    try:
        return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")
    except (KeyError, ValueError):
        return moment.strftime("%Y-%m-%d %H:%M UTC")


@schedule_app.command("add", context_settings={"ignore_unknown_options": True})
def add_command(
    name: Annotated[str, typer.Argument(help="A name for the schedule (unique).", show_default=False)],
    crawl_args: Annotated[list[str] | None, typer.Argument(
        help="The `archiver crawl` options, after `--`.", show_default=False)] = None,
    cron: Annotated[str, typer.Option("--cron", help='Cron expression, 5 fields or @hourly etc. ("0 */6 * * *").',
                                      show_default=False)] = "",
    timezone: Annotated[str, typer.Option("--timezone", "--tz", help="IANA timezone the cron is read in.")] = "UTC",
    time_limit: Annotated[str | None, typer.Option(
        "--time-limit", help="Stop a run after this long (90s, 30m, 1h30m); it is marked timed_out.",
        show_default=False)] = None,
    paused: Annotated[bool, typer.Option("--paused", help="Add it paused (resume it later).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the schedule as one JSON object.")] = False,
) -> None:
    """Add a schedule: when (cron, timezone) and what (`archiver crawl` options, after `--`).

    Example: archiver schedule add news --cron "0 * * * *" --tz Europe/Berlin --time-limit 45m -- --feed https://news.example/rss

    The cron expression, timezone, time limit and crawl options are checked now (the crawl
    options by the crawl command's own parser); the next three run times are shown.
    Exit status 2 for a bad value, 1 when the name is taken.
    """
    config = scheduler_config()
    try:
        if not cron:
            raise ScheduleError("--cron is required, e.g. --cron \"0 * * * *\"")
        spec = CronSpec.parse(cron, timezone)
        limit = parse_duration(time_limit, positive=True) if time_limit is not None else None
        arguments = check_crawl_args(crawl_args or [], config.subcommand, parsers=_other_parsers(config.subcommand))
    except (ScheduleError, DurationError) as exc:
        raise fail(str(exc), code=2) from None
    if not _NAME.fullmatch(name):
        raise fail(f"not a schedule name: {name!r} (letters, digits, '.', '_' and '-', up to 200)", code=2)
    now = utcnow()
    next_runs = spec.next_times(now, 3)
    with open_catalogue() as catalogue:
        try:
            schedule = catalogue.add_schedule(name=name, cron=spec.expression, timezone=spec.timezone,
                                              crawl_args=arguments, next_run_at=next_runs[0], time_limit=limit,
                                              paused=paused)
        except DuplicateSchedule as exc:
            raise fail(str(exc)) from None
    if json_output:
        print_json(schedule_record(schedule, next_runs=next_runs))
        return
    console.print(f"[green]✓[/green] schedule {escape(name)} added: {escape(spec.expression)} ({spec.timezone})"
                  f"{', paused' if paused else ''}", soft_wrap=True)
    console.print(f"  runs: {escape(' '.join(config.command + tuple(arguments)))}", soft_wrap=True)
    console.print("  next: " + ", ".join(_local(moment, spec.timezone) for moment in next_runs), soft_wrap=True)


@schedule_app.command("list")
def list_command(
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per schedule.")] = False,
) -> None:
    """List the schedules with their next run, last run outcome and a flag when the last N runs failed.

    Example: archiver schedule list --json

    N is ARCHIVER_SCHEDULE_FAILURE_FLAG (default 3).
    """
    flag_after = scheduler_config().failure_flag
    with open_catalogue() as catalogue:
        rows = schedule_records(catalogue, flag_after=flag_after)
    if json_output:
        for row in rows:
            print_json(row)
        return
    if not rows:
        console.print("no schedules (add one with `archiver schedule add`)")
        return
    table = Table(box=None, pad_edge=False, highlight=False)
    for column in ("name", "cron", "next run", "last run", ""):
        table.add_column(column)
    for row in rows:
        next_run = "paused" if row["paused"] else _local(parse_iso_or_none(row["next_run_at"]), row["timezone"])
        last = row["last_run"]
        started = parse_iso_or_none(last["started_at"]) if last else None
        last_text = f"{last['status']} {_local(started, row['timezone'])}" if last else "-"
        flag = f"[red]FAILING: last {row['failed_runs_in_a_row']} runs failed[/red]" if row["flagged"] else ""
        if row["running"]:
            flag = ("running " + flag).strip()
        table.add_row(escape(row["name"]), escape(f"{row['cron']} ({row['timezone']})"), next_run,
                      escape(last_text), flag)
    console.print(fit(table))


@schedule_app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help="Print the schedule as one JSON object.")] = False,
) -> None:
    """Show one schedule: cron, crawl options, next runs, lease, recent runs.

    Example: archiver schedule show hourly-news
    """
    flag_after = scheduler_config().failure_flag
    with open_catalogue() as catalogue:
        schedule = _find(catalogue, name)
        runs = catalogue.run_summaries(schedule.id, limit=5)
        failing = catalogue.failure_streak(schedule.id, flag_after)
    spec = _spec(schedule)
    next_runs = spec.next_times(max(utcnow(), schedule.next_run_at or utcnow()), 2) if spec else []
    upcoming = [schedule.next_run_at, *next_runs] if schedule.next_run_at else next_runs
    record = schedule_record(schedule, last=runs[0].run if runs else None, failing=failing, flag_after=flag_after,
                     next_runs=upcoming[:3])
    record["recent_runs"] = [_summary_record(summary) for summary in runs]
    if json_output:
        print_json(record)
        return
    console.print(f"[bold]{escape(schedule.name)}[/bold]  {escape(schedule.cron)} ({schedule.timezone})"
                  f"{'  [yellow]paused[/yellow]' if schedule.paused else ''}"
                  f"{'  [red]FAILING[/red]' if record['flagged'] else ''}", soft_wrap=True)
    console.print(f"  crawl: {escape(' '.join(schedule.crawl_args))}", soft_wrap=True)
    if schedule.time_limit:
        console.print(f"  time limit: {schedule.time_limit:g}s")
    overdue = " (overdue: the next scheduler pass runs it)" if upcoming and upcoming[0] <= utcnow() else ""
    console.print("  next: " + (", ".join(_local(m, schedule.timezone) for m in upcoming[:3]) or "-") + overdue)
    if record["running"]:
        console.print(f"  running now (lease held by {escape(schedule.lease_owner or '')})", soft_wrap=True)
    for summary in runs:
        console.print("  " + _summary_line(summary, schedule.timezone), soft_wrap=True)


def _summary_record(summary: RunSummary) -> dict[str, Any]:
    run = summary.run
    return {"id": run.id, "status": run.status, "started_at": format_iso(run.started_at),
            "finished_at": format_iso(run.finished_at), "duration": summary.duration, "captures": summary.captures,
            "new_articles": summary.new_articles, "errors": summary.errors,
            "exit_code": (run.stats or {}).get("exit_code"), "error": (run.stats or {}).get("error")}


def _summary_line(summary: RunSummary, timezone: str) -> str:
    run = summary.run
    colour = {"finished": "green", "running": "cyan", "interrupted": "yellow"}.get(run.status, "red")
    duration = f"{summary.duration:.1f}s" if summary.duration is not None else "running"
    line = (f"#{run.id} {_local(run.started_at, timezone)} [{colour}]{run.status}[/{colour}] {duration}, "
            f"{summary.captures} captures, {summary.new_articles} new articles, {summary.errors} errors")
    error = (run.stats or {}).get("error")
    return line + (f"  {escape(str(error))}" if error else "")


@schedule_app.command("runs")
def runs_command(
    name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many runs, newest first.", min=1)] = 20,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per run.")] = False,
) -> None:
    """The schedule's runs, newest first: outcome, duration, captures, new articles, errors.

    Example: archiver schedule runs hourly-news --limit 5 --json
    """
    with open_catalogue() as catalogue:
        schedule = _find(catalogue, name)
        summaries = catalogue.run_summaries(schedule.id, limit=limit)
    if json_output:
        for summary in summaries:
            print_json({"schedule": schedule.name, **_summary_record(summary)})
        return
    if not summaries:
        console.print(f"schedule {escape(name)} has not run yet")
    for summary in summaries:
        console.print(_summary_line(summary, schedule.timezone), soft_wrap=True)


def _set_paused(name: str, paused: bool) -> None:
    with open_catalogue() as catalogue:
        schedule = _find(catalogue, name)
        spec = _spec(schedule)
        following = spec.next_after(utcnow()) if spec and not paused else None
        catalogue.set_paused(schedule.id, paused, next_run_at=following)
    if paused:
        console.print(f"schedule {escape(name)} paused")
    else:
        console.print(f"schedule {escape(name)} resumed, next run {_local(following, schedule.timezone)}")


@schedule_app.command("pause")
def pause_command(name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)]) -> None:
    """Pause a schedule: the scheduler skips it until it is resumed (a run in progress goes on).

    Example: archiver schedule pause hourly-news
    """
    _set_paused(name, True)


@schedule_app.command("resume")
def resume_command(name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)]) -> None:
    """Resume a paused schedule from its next slot (slots missed while paused are skipped).

    Example: archiver schedule resume hourly-news
    """
    _set_paused(name, False)


@schedule_app.command("remove")
def remove_command(name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)]) -> None:
    """Remove a schedule. Its past runs and what they archived stay.

    Example: archiver schedule remove hourly-news
    """
    with open_catalogue() as catalogue:
        schedule = _find(catalogue, name)
        catalogue.remove_schedule(schedule.id)
    console.print(f"schedule {escape(name)} removed")


@schedule_app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="Schedule name.", show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help="Print the run's outcome as one JSON object.")] = False,
) -> None:
    """Run a schedule now, in the foreground, as a crawl run linked to it (its next slot is kept).

    Example: archiver schedule run hourly-news

    Exit status 0 when the run finished, 1 otherwise (failed, timed out, interrupted, or
    already running under another scheduler).
    """
    config = scheduler_config()
    with open_catalogue() as catalogue:
        schedule = _find(catalogue, name)
        scheduler = Scheduler(catalogue.db, config, child_stdout=2 if json_output else None)  # JSON alone on stdout
        previous = {sig: signal.signal(sig, lambda *_: scheduler.request_stop())
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            outcome = scheduler.run_now(schedule)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if outcome is None:
            raise fail(f"schedule {name!r} is running already (lease held by {schedule.lease_owner})")
        summaries = [s for s in catalogue.run_summaries(schedule.id, limit=5) if s.run.id == outcome[1]]
    if json_output and summaries:
        print_json({"schedule": name, **_summary_record(summaries[0])})
    elif summaries:
        console.print(_summary_line(summaries[0], schedule.timezone), soft_wrap=True)
    if outcome[2] != "finished":
        raise typer.Exit(1)


def _other_parsers(subcommand: str | None) -> dict[str, Any]:
    """The parser of an ``archiver`` subcommand other than ``crawl`` (which the scheduler knows) a schedule runs."""
    if subcommand in (None, "crawl"):
        return {}
    from typer.main import get_command

    from archiver.cli import app

    command = getattr(get_command(app), "commands", {}).get(subcommand)
    return {subcommand: lambda: command} if command is not None else {}
