"""The ``archiver`` command line. Library errors become one-line messages and exit codes here."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from archiver import __version__
from archiver.cli.archive import archive_command
from archiver.cli.changes import changes_command, revisits_command
from archiver.cli.common import err_console, start_command
from archiver.cli.crawl import crawl_command
from archiver.cli.db import db_app
from archiver.cli.diff import diff_command
from archiver.cli.exit_codes import FAILURE, INTERRUPTED
from archiver.cli.export import ExportCommand, export_command
from archiver.cli.extract import extract_command, reextract_command
from archiver.cli.history import history_command
from archiver.cli.reindex import reindex_command
from archiver.cli.runs import runs_app
from archiver.cli.schedule import schedule_app
from archiver.cli.scheduler import scheduler_command
from archiver.cli.search import search_command
from archiver.cli.serve import serve_command
from archiver.cli.show import get_command, show_command
from archiver.cli.stats import stats_command
from archiver.cli.verify import verify_command
from archiver.cli.worker import worker_command
from archiver.core.errors import ArchiverError

__all__ = ["ArchiverGroup", "app", "describe_os_error", "main"]

class ArchiverGroup(TyperGroup):
    """The ``archiver`` command group: the one place where an :class:`ArchiverError` becomes a line and an exit code.

    Every command raises the archiver's errors as they are; here each is printed as one
    ``error: ...`` line on stderr and the process exits with the error class's ``exit_code``
    (2 for usage and configuration errors, 1 otherwise). An OSError (a home that cannot be
    created, a read-only disk) is one line too; any other exception is one line naming it, with
    the traceback only when ``ARCHIVER_TRACEBACK`` is set. The codes: :mod:`archiver.cli.exit_codes`.
    """

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # click's own ways out: an exit code, or a usage error it prints itself
        except ArchiverError as exc:
            err_console.print(f"error: {exc}", markup=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted", markup=False)
            raise typer.Exit(INTERRUPTED) from None
        except OSError as exc:  # a file or directory the command cannot use: name it, no traceback
            err_console.print(f"error: {describe_os_error(exc)}", markup=False, soft_wrap=True)
            raise typer.Exit(FAILURE) from None
        except Exception as exc:  # a bug: one line for the user, the traceback with ARCHIVER_TRACEBACK=1
            if os.environ.get("ARCHIVER_TRACEBACK"):
                raise
            logging.getLogger(__name__).debug("unexpected error", exc_info=True)
            err_console.print(f"error: unexpected {type(exc).__name__}: {exc} (ARCHIVER_TRACEBACK=1 shows where)",
                              markup=False, soft_wrap=True)
            raise typer.Exit(FAILURE) from None


def describe_os_error(exc: OSError) -> str:
    """An OSError as one line: what went wrong and the file it went wrong on."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        return f"{exc.filename}: {reason}"
    return reason


app = typer.Typer(
    name="archiver",
    cls=ArchiverGroup,
    help="Archive news articles: WARC files that last, clean text, a catalogue to search.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"archiver {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    home: Annotated[Path | None, typer.Option("--home", envvar="ARCHIVER_HOME",
                                              help="Archive directory (default ./archive).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Archive news articles: WARC files that last, clean text, a catalogue to search."""
    start_command(home)


app.command("archive")(archive_command)
app.command("crawl")(crawl_command)
app.add_typer(runs_app, name="runs")
app.command("show")(show_command)
app.command("get")(get_command)
app.command("verify")(verify_command)
app.command("reindex")(reindex_command)
app.command("search")(search_command)
app.command("history")(history_command)
app.command("diff")(diff_command)
app.command("export", cls=ExportCommand)(export_command)
app.command("stats")(stats_command)
app.add_typer(schedule_app, name="schedule")
app.command("scheduler")(scheduler_command)
app.command("changes")(changes_command)
app.command("revisits")(revisits_command)
app.command("extract")(extract_command)
app.command("reextract")(reextract_command)
app.command("serve")(serve_command)
app.add_typer(db_app, name="db")
app.command("worker")(worker_command)


def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        sys.exit(INTERRUPTED)
