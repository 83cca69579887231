"""The ``archiver`` commands by name: where each lives, imported only when that command runs.

``archiver --help`` lists :data:`COMMANDS` with their summaries and imports none of them; a
command imports its own module (and what it needs) and nothing else. This keeps the start of a
small command short: the whole CLI imported up front cost about 2 s of every call.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import typer

__all__ = ["COMMANDS", "CommandSpec", "load_command"]


@dataclass(frozen=True)
class CommandSpec:
    """Where a command is: ``module`` and ``attribute`` (a function, or a Typer app for a group), and its summary."""

    module: str
    attribute: str
    summary: str
    cls: str | None = None  #: a click command class in the same module (``export``'s choices from the registry)


def _spec(module: str, attribute: str, summary: str, cls: str | None = None) -> CommandSpec:
    return CommandSpec(f"archiver.cli.{module}", attribute, summary, cls)


#: name -> where it is; the order of ``archiver --help``. A test keeps each summary equal to the
#: first line of the command's own help.
COMMANDS: dict[str, CommandSpec] = {
    "archive": _spec("archive", "archive_command",
                     "Archive URLs now: keep every exchange in WARC, extract the article, catalogue it."),
    "crawl": _spec("crawl", "crawl_command",
                   "Crawl a site politely: find its articles, archive each (WARC, text, catalogue), record the run."),
    "runs": _spec("runs", "runs_app", "List crawl runs, newest first, with how they ended and their counts."),
    "show": _spec("show", "show_command",
                  "Show the latest capture of a URL (or a capture by id) with its article, its page requisites "
                  "and its renderings (screenshots, rendered DOM: kind, source, size, WARC record)."),
    "get": _spec("show", "get_command",
                 "Write the archived payload bytes as stored (one seek at the catalogued offset), or a rendering."),
    "verify": _spec("verify", "verify_command",
                    "Check every catalogue row against its WARC record, and every WARC file against the catalogue."),
    "reindex": _spec("reindex", "reindex_command",
                     "Catalogue WARC records that have no row yet; running it again changes nothing."),
    "search": _spec("search", "search_command",
                    "Search archived articles by words in their title, authors and text, and by metadata."),
    "history": _spec("history", "history_command",
                     "List every capture of a page, oldest first: status, payload digest, revisits, and whether "
                     "the text changed."),
    "diff": _spec("diff", "diff_command",
                  "Show how a page's extracted text (and title, authors, dates) changed between two captures."),
    "export": _spec("export", "export_command",
                    "Export the articles a search selects (same query and filters as search; default: all).",
                    cls="ExportCommand"),
    "stats": _spec("stats", "stats_command",
                   "Count captures and articles by site, language and month; show the archive's size."),
    "schedule": _spec("schedule", "schedule_app",
                      "Crawl schedules: cron expression + crawl options, run by `archiver scheduler`."),
    "scheduler": _spec("scheduler", "scheduler_command",
                       "Run due schedules, each as `archiver crawl ...` in its own process, until SIGTERM or Ctrl-C."),
    "changes": _spec("changes", "changes_command",
                     "List edits found in recaptured articles, newest first: which fields changed and by how much."),
    "revisits": _spec("changes", "revisits_command",
                      "List article revisits that are due (or, with --all, planned), soonest first."),
    "extract": _spec("extract", "extract_command",
                     "Extract the article of one page and print it with where each field came from; nothing is "
                     "archived."),
    "reextract": _spec("extract", "reextract_command",
                       "Extract archived pages again from their WARC records, after the extractor has improved."),
    "serve": _spec("serve", "serve_command",
                   "Serve the web UI and JSON API: search, articles, versions and diffs, runs, schedules, sandboxed "
                   "replay."),
    "db": _spec("db", "db_app", "Catalogue database: upgrade the schema, copy a catalogue into another database."),
    "worker": _spec("worker", "worker_command",
                    "Join a crawl started with archiver crawl --frontier: fetch from its shared queue until it is "
                    "empty."),
}


def load_command(name: str) -> Any:
    """The click command ``name``, built by typer from its module (imported now)."""
    spec = COMMANDS[name]
    module = importlib.import_module(spec.module)
    target = getattr(module, spec.attribute)
    if isinstance(target, typer.Typer):
        command = typer.main.get_command(target)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name, cls=getattr(module, spec.cls) if spec.cls else None)(target)
        single.command("_unused", hidden=True)(lambda: None)  # two commands: typer keeps the group, so it is named
        command = typer.main.get_command(single).commands[name]  # type: ignore[attr-defined]
    command.name = name
    return command
