"""Check a schedule's crawl arguments when it is added, not at 3 a.m. when it first runs.

The arguments are parsed by the option parser of the very command the scheduler will run
(``archiver crawl``, or whichever ``archiver`` subcommand ARCHIVER_SCHEDULER_COMMAND names):
unknown options, missing values and values of the wrong type are refused with click's own
message (typer's vendored click). Nothing runs: the command's body is not invoked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from typer.exceptions import TyperException

from archiver.services.scheduling.cron import ScheduleError

__all__ = ["check_crawl_args"]

_HELP = {"--help", "-h"}
_CRAWL_SOURCES = ("sitemap", "feed", "site", "urls")


def check_crawl_args(args: Sequence[str], subcommand: str | None) -> list[str]:
    """``args`` as a list if ``archiver <subcommand>`` accepts them; raise :class:`ScheduleError`.

    ``subcommand`` None (the scheduler runs another program) skips the parser: only an empty
    list is refused then.
    """
    arguments = [str(arg) for arg in args]
    if not arguments:
        raise ScheduleError("no crawl options given: add them after `--`, e.g. -- --sitemap https://example.org/sitemap.xml")
    if _HELP & set(arguments):
        raise ScheduleError("--help is not a crawl option a schedule can run")
    if subcommand is None:
        return arguments
    command = _command(subcommand)
    try:
        with command.make_context(f"archiver {subcommand}", list(arguments), resilient_parsing=False) as context:
            params = dict(context.params)
    except typer.Exit:
        raise ScheduleError(f"{' '.join(arguments)!r} asks `archiver {subcommand}` for information, "
                            "not a run") from None
    except TyperException as exc:
        raise ScheduleError(f"archiver {subcommand}: {exc.format_message()}") from None
    # The one rule `archiver crawl` checks in its body rather than its parser.
    if (subcommand == "crawl" and set(_CRAWL_SOURCES) <= params.keys()
            and sum(1 for source in _CRAWL_SOURCES if params[source]) != 1):
        raise ScheduleError("archiver crawl: give exactly one of --sitemap URL, --feed URL, --site URL, --urls FILE")
    return arguments


def _command(subcommand: str) -> Any:
    from typer.main import get_command

    from archiver.cli import app

    command = getattr(get_command(app), "commands", {}).get(subcommand)
    if command is None:
        raise ScheduleError(f"`archiver {subcommand}` does not exist in this version, so schedules cannot run it "
                            "(set ARCHIVER_SCHEDULER_COMMAND)")
    return command
