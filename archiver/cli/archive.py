"""``archiver archive URL...``: fetch, WARC, extract, catalogue; one result per URL."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from archiver.cli.browser_option import BROWSER_HELP, BrowserMode, requested_browser, resolve_browser
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
from archiver.services.blocked import blocked_reason, is_blocked
from archiver.services.renderings import FULL_PAGE, latest
from archiver.services.requisites import requisites_record
from archiver.services.screenshots import BrowserUnavailable, take_screenshots
from spiders.urls import UrlsSpider, validate_url
from storage import Archive, ConfigError
from storage.catalogue import Capture, Rendering
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
    no_screenshot: Annotated[bool, typer.Option(
        "--no-screenshot", help="Take no screenshot of the archived pages (ARCHIVER_SCREENSHOT=false).")] = False,
    browser: Annotated[BrowserMode | None, typer.Option(
        "--browser", help=BROWSER_HELP.format(default="auto"), show_default=False)] = None,
    setting: Annotated[list[str], typer.Option("-s", "--set", help="Scrapy or archiver setting NAME=VALUE.")] = [],  # noqa: B006
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show the crawler's log.")] = False,
) -> None:
    """Archive URLs now: keep every exchange in WARC, extract the article, catalogue it.

    Each HTML page's requisites (images, stylesheets and their fonts, scripts, posters) are
    archived with it and linked to it, unless --no-requisites (ARCHIVER_REQUISITES_MAX per page,
    each cut at ARCHIVER_REQUISITE_MAX_BYTES).

    Then each archived HTML page is opened in Chromium as replayed from the archive alone (no
    live traffic) and a full-page screenshot is kept with it, unless --no-screenshot
    (ARCHIVER_SCREENSHOT=false). Without Chromium: one warning line, no screenshot.

    Example: archiver archive https://www.example.org/news/2024/story --json

    Exit status: 0 when every URL got an HTTP response (a 404 is a response), 1 when any
    failed at the network level, came in cut short (a limit included), was archived with an
    error (too many redirects, a body that cannot be decoded) or was a bot wall or challenge
    page instead of the page (flagged blocked, see docs/blocked.md), 2 for bad input (nothing
    is written).
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
        **({"ARCHIVER_SCREENSHOT": False} if no_screenshot else {}),
        **parse_setting_overrides(setting),
    })
    settings = config.scrapy_settings({
        **log_settings(verbose),
        "DOWNLOAD_TIMEOUT": timeout,
        "RETRY_TIMES": retries,
        "ROBOTSTXT_OBEY": obey_robots,
        "ARCHIVER_RUN_KIND": "archive",
        "ARCHIVER_BROWSER": resolve_browser(browser, config, default="auto", screenshot=config.crawl.screenshot),
        "ARCHIVER_CRAWL_REPORT_ENABLED": True,  # the run's counts, as a crawl's (runs, the web UI's runs page)
    })
    settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "archiver.crawler.crawl.report.CrawlReport": 500},
                 priority="cmdline")
    too_long = _too_long(targets, settings.getint("URLLENGTH_LIMIT"))
    if too_long:  # Scrapy would drop them unfetched, with only a log line to say so
        for message in too_long:
            err_console.print(f"error: {escape(message)}", soft_wrap=True)
        raise typer.Exit(2)
    # Without Chromium the browser option has said so in one line for both: no second warning.
    warned = (config.crawl.screenshot and requested_browser(browser, config, default="auto") == "auto"
              and settings["ARCHIVER_BROWSER"] == "never")
    # One archive for the whole command: the crawl writes into it and the results are read from it.
    with open_archive(config.storage) as archive:
        run_id = run_spider(UrlsSpider, settings, kind="archive", run_settings={"urls": targets}, urls=targets,
                            archive=archive)
        final = _final_captures(archive, run_id)
        screenshots = {}
        if config.crawl.screenshot and not warned:
            screenshots = _screenshots(archive, [final[url] for url in targets if url in final],
                                       config.crawl.screenshot_timeout)
        run = archive.catalogue.run(run_id)
        refused = set(((run.stats if run else None) or {}).get("archiver/crawl/robots_urls") or [])
        _report(archive, final, targets, screenshots, refused, json_output=json_output)


def _final_captures(archive: Archive, run_id: int) -> dict[str, Capture]:
    """The outcome of each requested URL: the last capture of its chain."""
    final: dict[str, Capture] = {}
    for capture in archive.catalogue.captures_in_run(run_id):  # in order made
        final[capture.requested_url] = capture
    return final


def _screenshots(archive: Archive, captures: list[Capture], timeout: float) -> dict[int, Rendering]:
    """Screenshot the archived pages as replayed; without Chromium, one warning line and none."""
    try:
        batch = take_screenshots(archive, captures, page_timeout=timeout)
    except BrowserUnavailable as exc:
        err_console.print(f"warning: no screenshot: {exc}", markup=False, soft_wrap=True)
        return {}
    if batch.error:
        err_console.print(f"warning: {batch.error}", markup=False, soft_wrap=True)
    for capture_id, why in batch.failed.items():
        err_console.print(f"warning: capture {capture_id}: {why}", markup=False, soft_wrap=True)
    return batch.kept


def _report(archive: Archive, final: dict[str, Capture], targets: list[str], screenshots: dict[int, Rendering],
            refused: set[str], *, json_output: bool) -> None:
    failed = False
    for url in targets:
        capture = final.get(url)
        ok = capture is not None and capture.status is not None and not capture.truncated and not capture.error
        blocked = is_blocked(capture)  # the reader's page was not archived: a bot wall was
        failed = failed or not ok or blocked
        requisites = requisites_record(archive.catalogue.requisites_of(capture.id)) if capture else None
        reason = blocked_reason(archive, capture) if capture is not None and blocked else None
        shot = (screenshots.get(capture.id) or latest(archive.catalogue.renderings_of(capture.id, FULL_PAGE), FULL_PAGE)
                if capture else None)  # the replay screenshot, else the browser lane's
        why = ROBOTS if capture is None and url in refused else None
        if json_output:
            print_json({**capture_record(capture, capture.article), "requisites": _counts(requisites),
                        "blocked": blocked, "blocked_reason": reason, "screenshot": _shot(shot)}
                       if capture else _not_fetched(url, why))
        else:
            _print_line(url, capture, requisites, shot, blocked=(reason or "bot wall") if blocked else None, why=why)
    if failed:
        raise typer.Exit(1)


def _too_long(urls: list[str], limit: int) -> list[str]:
    """One message per URL longer than URLLENGTH_LIMIT (0: no limit)."""
    return [f"URL is {len(url)} characters long, more than URLLENGTH_LIMIT ({limit}): {url[:80]}…"
            for url in urls if limit and len(url) > limit]


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


def _shot(rendering: Rendering | None) -> dict | None:
    """The screenshot kept for a capture, as ``archive --json`` names it."""
    if rendering is None:
        return None
    return {"id": rendering.id, "record_id": rendering.record_id, "source": rendering.source,
            "bytes": rendering.payload_length}


def _print_line(url: str, capture: Capture | None, requisites: dict | None = None,
                shot: Rendering | None = None, *, blocked: str | None = None,
                why: str | None = None) -> None:
    if capture is None:
        console.print(f"[red]✗[/red] {escape(url)}  {escape(why or 'not fetched (run with -v to see why)')}",
                      soft_wrap=True)
        return
    if capture.status is None:
        console.print(f"[red]✗[/red] {escape(url)}  {escape(capture.error or 'failed')}", soft_wrap=True)
        return
    fine = capture.status < 400 and not capture.truncated and not capture.error and not blocked
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
    if blocked:
        line += f"  [red]blocked ({escape(blocked)})[/red]"
    if capture.record_type == "revisit":
        line += f"  (unchanged since capture {capture.revisit_of_id})"
    if requisites and requisites["count"]:
        missing = len(requisites["missing"])
        line += f"  + {requisites['archived']} requisites"
        if missing:
            line += f" [yellow]({missing} missing, see show {capture.id})[/yellow]"
    if shot is not None:
        line += "  + screenshot"
    line += f"  [dim]#{capture.id}[/dim]"
    console.print(line, soft_wrap=True)
