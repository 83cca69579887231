"""``archiver crawl``: find a site's articles (sitemap, feed, links or a URL list) and archive them."""

from __future__ import annotations

import sys
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from archiver.cli.browser_option import resolve_browser
from archiver.cli.common import (
    console,
    current_config,
    err_console,
    fail,
    log_settings,
    open_archive,
    parse_setting_overrides,
    print_json,
)
from archiver.cli.exit_codes import FAILURE, INTERRUPTED, OK, PARTIAL
from archiver.cli.runs import run_record
from archiver.core.config import ArchiverConfig
from archiver.crawler.crawl.command import CrawlCommand, options_from_values
from archiver.crawler.crawl.frontier import FrontierError, crawl_spec, frontier_settings, reset_frontier
from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions
from archiver.crawler.crawl.run import CrawlStartError, run_crawl
from storage import Archive

__all__ = ["crawl_command", "run_and_report"]


class JsonLines:
    """Crawl observer printing one JSON object per fetched page and per article."""

    def page(self, event: dict[str, Any]) -> None:
        """Print the event as one JSON line."""
        print_json(event)

    def progress(self, counts: dict[str, Any]) -> None:
        """Nothing: JSON lines report pages, not progress."""
        return None


class ProgressBar:
    """Crawl observer drawing a rich progress line on the terminal (stderr)."""

    def __init__(self, total: int | None) -> None:
        self._bar = Progress(
            TextColumn("[bold]crawling[/bold]"), BarColumn(), TextColumn("{task.description}"),
            TimeElapsedColumn(), console=err_console, transient=False,
        )
        self._task = self._bar.add_task("starting", total=total)
        self._bar.start()

    def page(self, event: dict[str, Any]) -> None:
        """Nothing: the bar shows counts."""
        return None

    def progress(self, counts: dict[str, Any]) -> None:
        """Redraw the bar with the counts so far."""
        rate = counts["pages"] / counts["elapsed"] if counts.get("elapsed") else 0.0
        text = (f"{counts['pages']} pages, {counts['articles']} articles, {counts['errors']} errors, "
                f"{counts['skipped']} skipped, {rate:.1f} pages/s")
        self._bar.update(self._task, completed=counts["pages"], description=text)

    def stop(self) -> None:
        """Leave the last line on screen."""
        self._bar.stop()


def _crawl(values: dict[str, Any]) -> None:
    """Run ``archiver crawl`` with its parsed options (declared in :mod:`archiver.crawler.crawl.command`)."""
    try:
        options = options_from_values(values)
        options.check()
    except CrawlOptionError as exc:
        raise fail(escape(str(exc)), code=2) from None
    verbose, frontier = values["verbose"], values["frontier"]
    overrides = parse_setting_overrides(values["setting"] or [])
    overrides["ARCHIVER_BROWSER"] = resolve_browser(values.get("browser"), current_config(overrides), default="never")
    shared = None
    if frontier:
        try:
            if not options.resume:
                reset_frontier(frontier, options.run_name)
            shared = frontier_settings(frontier, options.run_name, worker=False, spec=crawl_spec(options))
        except FrontierError as exc:
            raise fail(escape(str(exc))) from None
    run_and_report(options, overrides, json_output=values["json_output"], verbose=verbose, frontier=shared)


_DOC = """Crawl a site politely: find its articles, archive each (WARC, text, catalogue), record the run.

Example: archiver crawl --sitemap https://news.example/robots.txt --since 2024-05-01 --max-pages 500

robots.txt is obeyed, requests are throttled (AutoThrottle, 4 per site at most), and the
User-Agent names the project and ARCHIVER_CONTACT. Pages archived within
ARCHIVER_RECRAWL_AFTER (default 1d) are not fetched again unless --refresh; older ones
are asked for with If-None-Match / If-Modified-Since. Ctrl-C stops cleanly; --resume
continues. With --frontier, the queue and the seen URLs live in Redis under the crawl's
name, and `archiver worker --frontier URL --name NAME` processes (on any machine, same
ARCHIVER_DATABASE_URL) share the work. Below ARCHIVER_MIN_FREE (default 1GB) free on the
archive's disk the crawl stops (run status min-free); a write that finds the disk full stops
it with one line. Exit status: 0 finished (or stopped at --max-pages), 1 failed (the start
URL could not be fetched, every fetch failed, or the disk stopped it), 2 bad options, 3 pages
archived but some fetches failed or answered 4xx/5xx, 130 interrupted (Ctrl-C).
"""

#: ``archiver crawl``: its options come from the spider registry when typer builds the command.
crawl_command = CrawlCommand(_crawl, _DOC)


def run_and_report(options: CrawlOptions, overrides: dict[str, Any], *, json_output: bool, verbose: bool,
                   frontier: dict[str, Any] | None = None, spider_args: dict[str, Any] | None = None) -> None:
    """Run the crawl with a progress bar or JSON lines, then print the run; exit 1 unless it finished.

    ``overrides``: the ``-s NAME=VALUE`` pairs. The archive is opened once, for the crawl and the report.
    """
    config = current_config(overrides)
    with open_archive(config.storage) as archive:
        _run_and_report(archive, config, options, json_output=json_output, verbose=verbose, frontier=frontier,
                        spider_args=spider_args)


def _run_and_report(archive: Archive, config: ArchiverConfig, options: CrawlOptions, *, json_output: bool,
                    verbose: bool, frontier: dict[str, Any] | None, spider_args: dict[str, Any] | None) -> None:
    observer: JsonLines | ProgressBar | None = None
    if json_output:
        observer = JsonLines()
    elif sys.stderr.isatty() and not verbose:
        observer = ProgressBar(options.max_pages)
    try:
        run_id = run_crawl(options, log_settings(verbose), config=config, archive=archive,
                           observer=observer, frontier=frontier, spider_args=spider_args)
    except CrawlStartError as exc:
        raise fail(escape(str(exc))) from None
    finally:
        if isinstance(observer, ProgressBar):
            observer.stop()
    run = archive.catalogue.run(run_id)
    assert run is not None
    record = run_record(run)
    if json_output:
        print_json({"event": "run", **record})
    else:
        counts = record["counts"]
        console.print(f"run {record['id']} ({escape(record['name'] or '')}): {record['status']}, "
                      f"{counts.get('pages', 0)} pages, {counts.get('articles', 0)} articles "
                      f"({counts.get('new_articles', 0)} new), {counts.get('revisits', 0)} revisits, "
                      f"{counts.get('skipped', 0)} skipped, {counts.get('errors', 0)} errors"
                      + (f", {counts['robots']} refused by robots.txt" if counts.get("robots") else ""),
                      soft_wrap=True)
    code = crawl_exit_code(record["status"], record["counts"])
    if code != OK:
        raise typer.Exit(code)


def crawl_exit_code(status: str, counts: dict[str, Any]) -> int:
    """The exit code of a crawl that ended with ``status`` and ``counts`` (see :mod:`archiver.cli.exit_codes`).

    A crawl that did not finish, or whose fetches failed and archived nothing (its start URL
    unreachable, say), failed; one that archived pages while some fetches failed did part of its work.
    """
    if status == "interrupted":
        return INTERRUPTED
    if status not in ("finished", "max-pages"):
        return FAILURE
    if counts.get("errors", 0):
        return PARTIAL if counts.get("pages", 0) else FAILURE
    return OK
