"""``archiver archive URL...``: fetch, WARC, extract, catalogue; one result per URL."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from archiver.cli.common import (
    capture_record,
    console,
    current_config,
    err_console,
    log_settings,
    open_archive,
    parse_setting_overrides,
    print_json,
)
from archiver.crawler.runner import run_spider
from archiver.services.requisites import requisites_record
from spiders.urls import UrlsSpider, validate_url
from storage import Archive, ConfigError
from storage.catalogue import Capture
from storage.config import parse_size

__all__ = ["archive_command"]


def archive_command(
    urls: Annotated[list[str], typer.Argument(help="http(s) URLs to archive.", show_default=False)],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per URL on stdout.")] = False,
    timeout: Annotated[float, typer.Option(help="Give up on a download after this many seconds.", min=0.1)] = 60.0,
    retries: Annotated[int, typer.Option(help="Retries after a network error or a 5xx answer.", min=0)] = 1,
    max_size: Annotated[str | None, typer.Option(
        "--max-size", help="Keep at most this much of each body (e.g. 50MB, 2GiB); the rest is cut, "
        "marked WARC-Truncated: length. Default 50MB (ARCHIVER_MAX_BODY_SIZE).", show_default=False)] = None,
    obey_robots: Annotated[bool, typer.Option("--obey-robots", help="Skip URLs that robots.txt disallows.")] = False,
    no_requisites: Annotated[bool, typer.Option(
        "--no-requisites", help="Archive the pages only, not their images, stylesheets, fonts and scripts.")] = False,
    setting: Annotated[list[str], typer.Option("-s", "--set", help="Scrapy or archiver setting NAME=VALUE.")] = [],  # noqa: B006
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show the crawler's log.")] = False,
) -> None:
    """Archive URLs now: keep every exchange in WARC, extract the article, catalogue it.

    Each HTML page's requisites (images, stylesheets and their fonts, scripts, posters) are
    archived with it and linked to it, unless --no-requisites (ARCHIVER_REQUISITES_MAX per page,
    each cut at ARCHIVER_REQUISITE_MAX_BYTES).

    Example: archiver archive https://www.example.org/news/2024/story --json

    Exit status: 0 when every URL got an HTTP response (a 404 is a response), 1 when any
    failed at the network level, came in cut short (a limit included) or was archived with an
    error (too many redirects, a body that cannot be decoded), 2 for bad input (nothing is
    written).
    """
    bad = []
    targets = []
    for url in urls:
        try:
            targets.append(validate_url(url))
        except ValueError as exc:
            bad.append(str(exc))
    if max_size is not None:
        try:
            parse_size(max_size)
        except ConfigError as exc:
            bad.append(f"--max-size: {exc}")
    if bad:
        for message in bad:
            err_console.print(f"error: {escape(message)}", soft_wrap=True)
        raise typer.Exit(2)
    config = current_config({
        "ARCHIVER_REQUISITES_ENABLED": not no_requisites,
        **({"ARCHIVER_MAX_BODY_SIZE": max_size} if max_size is not None else {}),
        **parse_setting_overrides(setting),
    })
    settings = config.scrapy_settings({
        **log_settings(verbose),
        "DOWNLOAD_TIMEOUT": timeout,
        "RETRY_TIMES": retries,
        "ROBOTSTXT_OBEY": obey_robots,
        "ARCHIVER_RUN_KIND": "archive",
        "ARCHIVER_CRAWL_REPORT_ENABLED": True,  # the run's counts, as a crawl's (runs, the web UI's runs page)
    })
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "archiver.crawler.crawl.report.CrawlReport": 500},
                 priority="cmdline")
    # One archive for the whole command: the crawl writes into it and the results are read from it.
    with open_archive(config.storage) as archive:
        run_id = run_spider(UrlsSpider, settings, kind="archive", run_settings={"urls": targets}, urls=targets,
                            archive=archive)
        _report(archive, run_id, targets, json_output=json_output)


def _report(archive: Archive, run_id: int, targets: list[str], *, json_output: bool) -> None:
    captures = archive.catalogue.captures_in_run(run_id)
    run = archive.catalogue.run(run_id)
    refused = set(((run.stats if run else None) or {}).get("archiver/crawl/robots_urls") or [])
    final: dict[str, Capture] = {}
    for capture in captures:  # in order made: the last one of a chain is its outcome
        final[capture.requested_url] = capture
    failed = False
    for url in targets:
        capture = final.get(url)
        ok = capture is not None and capture.status is not None and not capture.truncated and not capture.error
        failed = failed or not ok
        requisites = requisites_record(archive.catalogue.requisites_of(capture.id)) if capture else None
        why = ROBOTS if capture is None and url in refused else None
        if json_output:
            print_json({**capture_record(capture, capture.article), "requisites": _counts(requisites)}
                       if capture else _not_fetched(url, why))
        else:
            _print_line(url, capture, requisites, why)
    if failed:
        raise typer.Exit(1)


#: Why a URL was not fetched when robots.txt forbids it (archive --obey-robots).
ROBOTS = "refused by robots.txt (--obey-robots)"


def _not_fetched(url: str, why: str | None = None) -> dict:
    return {"id": None, "url": url, "final_url": None, "status": None,
            "error": why or "not fetched (see the log with -v)"}


def _counts(requisites: dict | None) -> dict | None:
    """The requisites' summary without the item list (``archiver show --json ID`` has every item)."""
    if not requisites or not requisites["count"]:
        return None
    return {"count": requisites["count"], "archived": requisites["archived"], "bytes": requisites["bytes"],
            "missing": len(requisites["missing"])}


def _print_line(url: str, capture: Capture | None, requisites: dict | None = None, why: str | None = None) -> None:
    if capture is None:
        console.print(f"[red]✗[/red] {escape(url)}  {escape(why or 'not fetched (run with -v to see why)')}",
                      soft_wrap=True)
        return
    if capture.status is None:
        console.print(f"[red]✗[/red] {escape(url)}  {escape(capture.error or 'failed')}", soft_wrap=True)
        return
    fine = capture.status < 400 and not capture.truncated and not capture.error
    mark = "[green]✓[/green]" if fine else "[yellow]![/yellow]"
    line = f"{mark} {capture.status} {escape(url)}"
    if capture.url != url:
        line += f" → {escape(capture.url)}"
    article = capture.article
    if article is not None:
        bits = [f'"{escape(article.title)}"' if article.title else None, escape(article.author or ""),
                (article.published or "")[:10], f"{article.word_count} words"]
        line += "  " + ", ".join(b for b in bits if b)
    elif capture.content_type:
        line += f"  {escape(capture.content_type)}"
    if capture.truncated:
        line += f"  [yellow]truncated ({capture.truncated})[/yellow]"
    if capture.error:
        line += f"  [red]{escape(capture.error)}[/red]"
    if capture.record_type == "revisit":
        line += f"  (unchanged since capture {capture.revisit_of_id})"
    if requisites and requisites["count"]:
        missing = len(requisites["missing"])
        line += f"  + {requisites['archived']} requisites"
        if missing:
            line += f" [yellow]({missing} missing, see show {capture.id})[/yellow]"
    line += f"  [dim]#{capture.id}[/dim]"
    console.print(line, soft_wrap=True)
