"""``archiver crawl``: find a site's articles (sitemap, feed, links or a URL list) and archive them."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from archiver.cli.archive import parse_setting_overrides
from archiver.cli.common import console, err_console, fail, open_archive, print_json
from archiver.cli.runs import run_record
from archiver.core.config import storage_config_from_settings
from archiver.crawler.crawl.frontier import FrontierError, crawl_spec, frontier_settings, reset_frontier
from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions
from archiver.crawler.crawl.run import CrawlStartError, run_crawl
from archiver.crawler.runner import archiver_settings

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


def crawl_command(
    sitemap: Annotated[str | None, typer.Option("--sitemap", help="A sitemap, sitemap index or robots.txt URL.",
                                                show_default=False)] = None,
    feed: Annotated[str | None, typer.Option("--feed", help="An RSS or Atom feed URL.", show_default=False)] = None,
    site: Annotated[str | None, typer.Option("--site", help="Follow links from this URL (same host).",
                                             show_default=False)] = None,
    urls: Annotated[str | None, typer.Option("--urls", help="A file of URLs, one a line (# comments).",
                                             show_default=False)] = None,
    max_pages: Annotated[int | None, typer.Option("--max-pages", help="Stop after this many pages.",
                                                  show_default=False)] = None,
    max_depth: Annotated[int | None, typer.Option("--max-depth", help="--site: links away from the start "
                                                  "(default 5).", show_default=False)] = None,
    since: Annotated[str | None, typer.Option("--since", help="--sitemap/--feed: only pages dated at or after "
                                              "this date (2024-05-01).", show_default=False)] = None,
    allow: Annotated[list[str], typer.Option("--allow", help="Only page URLs matching this regex (repeatable).")] = [],  # noqa: B006
    deny: Annotated[list[str], typer.Option("--deny", help="Skip page URLs matching this regex (repeatable).")] = [],  # noqa: B006
    name: Annotated[str | None, typer.Option("--name", help="Name of the crawl (default: method and host); "
                                             "--resume continues the last crawl of this name.",
                                             show_default=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue a stopped or killed crawl of the same "
                                         "name without fetching what it archived.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Fetch pages archived recently too "
                                          "(ARCHIVER_RECRAWL_AFTER, default 1d).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="JSON lines: each page, each article, then "
                                              "the run.")] = False,
    setting: Annotated[list[str], typer.Option("-s", "--set", help="Scrapy or archiver setting NAME=VALUE.")] = [],  # noqa: B006
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Show the crawler's log.")] = False,
    frontier: Annotated[str | None, typer.Option("--frontier", envvar="ARCHIVER_REDIS_URL", metavar="REDIS_URL",
                                                 help="Share the queue with other processes through Redis "
                                                 "(redis://HOST:6379/0); they join with archiver worker.",
                                                 show_default=False)] = None,
) -> None:
    """Crawl a site politely: find its articles, archive each (WARC, text, catalogue), record the run.

    Example: archiver crawl --sitemap https://news.example/robots.txt --since 2024-05-01 --max-pages 500

    robots.txt is obeyed, requests are throttled (AutoThrottle, 4 per site at most), and the
    User-Agent names the project and ARCHIVER_CONTACT. Pages archived within
    ARCHIVER_RECRAWL_AFTER (default 1d) are not fetched again unless --refresh; older ones
    are asked for with If-None-Match / If-Modified-Since. Ctrl-C stops cleanly; --resume
    continues. With --frontier, the queue and the seen URLs live in Redis under the crawl's
    name, and `archiver worker --frontier URL --name NAME` processes (on any machine, same
    ARCHIVER_DATABASE_URL) share the work. Exit status: 0 finished (or stopped at --max-pages),
    1 interrupted or failed, 2 bad options.
    """
    given = {k: v for k, v in {"sitemap": sitemap, "feed": feed, "site": site, "urls": urls}.items() if v}
    if len(given) != 1:
        raise fail("give exactly one of --sitemap URL, --feed URL, --site URL, --urls FILE", code=2)
    (discovery, target), = given.items()
    options = CrawlOptions(discovery=discovery, target=target, max_pages=max_pages, max_depth=max_depth,
                           since=since, allow=list(allow), deny=list(deny), name=name, resume=resume,
                           refresh=refresh)
    try:
        options.check()
    except CrawlOptionError as exc:
        raise fail(escape(str(exc)), code=2) from None
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if verbose else "WARNING", **parse_setting_overrides(setting)}
    shared = None
    if frontier:
        try:
            if not resume:
                reset_frontier(frontier, options.run_name)
            shared = frontier_settings(frontier, options.run_name, worker=False, spec=crawl_spec(options))
        except FrontierError as exc:
            raise fail(escape(str(exc))) from None
    run_and_report(options, overrides, json_output=json_output, verbose=verbose, frontier=shared)


def run_and_report(options: CrawlOptions, overrides: dict[str, Any], *, json_output: bool, verbose: bool,
                   frontier: dict[str, Any] | None = None, spider_args: dict[str, Any] | None = None) -> None:
    """Run the crawl with a progress bar or JSON lines, then print the run; exit 1 unless it finished."""
    observer: JsonLines | ProgressBar | None = None
    if json_output:
        observer = JsonLines()
    elif sys.stderr.isatty() and not verbose:
        observer = ProgressBar(options.max_pages)
    try:
        run_id = run_crawl(options, overrides, observer=observer, frontier=frontier, spider_args=spider_args)
    except CrawlStartError as exc:
        raise fail(escape(str(exc))) from None
    finally:
        if isinstance(observer, ProgressBar):
            observer.stop()
    with open_archive(storage_config_from_settings(archiver_settings(overrides))) as archive:
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
                      f"{counts.get('skipped', 0)} skipped, {counts.get('errors', 0)} errors", soft_wrap=True)
    if record["status"] not in ("finished", "max-pages"):
        raise typer.Exit(1)
