"""The ``archiver`` command line. Library errors become one-line messages and exit codes here."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from archiver import __version__
from archiver.cli.commands import COMMANDS, load_command
from archiver.cli.exit_codes import FAILURE, INTERRUPTED
from archiver.cli.state import err_console, start_command
from archiver.core.errors import ArchiverError

__all__ = ["COMMANDS", "ArchiverGroup", "app", "describe_os_error", "main"]

class ArchiverGroup(TyperGroup):
    """The ``archiver`` command group: the one place where an :class:`ArchiverError` becomes a line and an exit code.

    Every command raises the archiver's errors as they are; here each is printed as one
    ``error: ...`` line on stderr and the process exits with the error class's ``exit_code``
    (2 for usage and configuration errors, 1 otherwise). An OSError (a home that cannot be
    created, a read-only disk) is one line too; any other exception is one line naming it, with
    the traceback only when ``ARCHIVER_TRACEBACK`` is set. The codes: :mod:`archiver.cli.exit_codes`.
    """

    def list_commands(self, ctx: Any) -> list[str]:
        """Every command, in the order of :data:`COMMANDS` (nothing imported)."""
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command ``cmd_name``, its module imported now; while the group's help is written, a summary only.

        ``archiver --help`` lists the commands from :data:`COMMANDS` without importing any of
        them (Scrapy, SQLAlchemy, FastAPI...), and a command imports only its own module.
        """
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            if self._summaries_only:
                return TyperCommand(cmd_name, help=COMMANDS[cmd_name].summary, callback=None)
            self.add_command(load_command(cmd_name), cmd_name)
        return self.commands[cmd_name]

    _summaries_only = False

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The group's help, listing the commands by their summaries (no command module is imported)."""
        self._summaries_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._summaries_only = False

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


def main() -> None:
    """Console entry point."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted", markup=False)
        sys.exit(INTERRUPTED)
