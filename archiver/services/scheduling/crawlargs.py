"""Check a schedule's crawl arguments when it is added, not at 3 a.m. when it first runs.

The arguments of ``archiver crawl`` are parsed by the parser that command uses, built from the
spider registry (:func:`archiver.crawler.crawl.command.crawl_parser`, no CLI import): unknown
options, missing values and values of the wrong type are refused with click's own message
(typer's vendored click). Nothing runs: the command's body is not invoked. Another
``archiver`` subcommand named by ARCHIVER_SCHEDULER_COMMAND is checked by the ``parsers`` the
caller (the CLI) hands over, if any.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import typer
from typer.exceptions import TyperException

from archiver.crawler.crawl.command import crawl_parser, options_from_values
from archiver.crawler.crawl.options import CrawlOptionError
from archiver.services.scheduling.cron import ScheduleError

__all__ = ["check_crawl_args"]

_HELP = {"--help", "-h"}


def check_crawl_args(args: Sequence[str], subcommand: str | None, *,
                     parsers: Mapping[str, Callable[[], Any]] | None = None) -> list[str]:
    """``args`` as a list if ``archiver <subcommand>`` accepts them; raise :class:`ScheduleError`.

    ``subcommand`` None (the scheduler runs another program) skips the parser: only an empty
    list is refused then. ``parsers`` maps other subcommands to a function returning their
    click command.
    """
    arguments = [str(arg) for arg in args]
    if not arguments:
        raise ScheduleError("no crawl options given: add them after `--`, e.g. -- --sitemap https://example.org/sitemap.xml")
    if _HELP & set(arguments):
        raise ScheduleError("--help is not a crawl option a schedule can run")
    if subcommand is None:
        return arguments
    command = _command(subcommand, parsers or {})
    try:
        with command.make_context(f"archiver {subcommand}", list(arguments), resilient_parsing=False) as context:
            params = dict(context.params)
    except typer.Exit:
        raise ScheduleError(f"{' '.join(arguments)!r} asks `archiver {subcommand}` for information, "
                            "not a run") from None
    except TyperException as exc:
        raise ScheduleError(f"archiver {subcommand}: {exc.format_message()}") from None
    # The one rule `archiver crawl` checks in its body rather than its parser.
    if subcommand == "crawl":
        try:
            options_from_values(params)
        except CrawlOptionError as exc:
            raise ScheduleError(f"archiver crawl: {exc}") from None
    return arguments


def _command(subcommand: str, parsers: Mapping[str, Callable[[], Any]]) -> Any:
    build = {"crawl": crawl_parser, **parsers}.get(subcommand)
    command = build() if build is not None else None
    if command is None:
        raise ScheduleError(f"`archiver {subcommand}` does not exist in this version, so schedules cannot run it "
                            "(set ARCHIVER_SCHEDULER_COMMAND)")
    return command
