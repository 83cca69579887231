"""``archiver worker``: join a running distributed crawl and take requests from its shared frontier."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from archiver.cli.common import fail, parse_setting_overrides
from archiver.cli.crawl import run_and_report
from archiver.crawler.crawl.frontier import FrontierError, frontier_settings, options_from_spec, read_spec

__all__ = ["worker_command"]


def worker_command(
    name: Annotated[str, typer.Option("--name", help="The crawl to join (its --name, or the name "
                                      "archiver runs shows).", show_default=False)],
    frontier: Annotated[str, typer.Option("--frontier", envvar="ARCHIVER_REDIS_URL", metavar="REDIS_URL",
                                          help="The Redis the crawl shares its queue through.",
                                          show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help="JSON lines: each page, each article, then "
                                              "the run.")] = False,
    setting: Annotated[list[str], typer.Option("-s", "--set", help="Scrapy or archiver setting NAME=VALUE.")] = [],  # noqa: B006
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show the crawler's log.")] = False,
) -> None:
    """Join a crawl started with archiver crawl --frontier: fetch from its shared queue until it is empty.

    Example: archiver worker --frontier redis://10.0.0.5:6379/0 --name site-news.example

    The worker adds no seeds of its own; it builds the crawl's spider from the options the
    crawl published in Redis, writes its own WARC files and records its own run in the
    catalogue (ARCHIVER_DATABASE_URL: use the same PostgreSQL as the other workers). It stops
    when the queue is empty and no other live worker is still on a page. Requests a worker
    had taken when it died are put back in the queue once its heartbeat expires
    (ARCHIVER_FRONTIER_LEASE_TTL seconds, default 30).
    """
    try:
        spec = read_spec(frontier, name)
        options, spider_args = options_from_spec(spec, name)
        shared = frontier_settings(frontier, name, worker=True)
    except FrontierError as exc:
        raise fail(escape(str(exc))) from None
    run_and_report(options, parse_setting_overrides(setting), json_output=json_output, verbose=verbose, frontier=shared,
                   spider_args=spider_args)
