"""The options of ``archiver crawl``, made from the spider registry: the CLI and the schedule check parse with them.

:class:`CrawlCommand` is a callable whose signature (``__signature__``, read by typer when it
builds the command) holds one option per discovery spider (its target: ``--sitemap URL``),
one per spider argument (:func:`spiders.registry.spider_params`) and the crawl's own options.
The signature is made when asked for, so a spider registered before the command is built has
its options. :func:`crawl_parser` builds the command for a body that runs nothing: the
scheduler checks a schedule's arguments with the very parser ``archiver crawl`` uses, without
importing the CLI.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import typer

from archiver.crawler.browser.modes import BrowserMode
from archiver.crawler.crawl.options import CrawlOptionError, CrawlOptions
from spiders.params import Param
from spiders.registry import discovery_spiders, spider_params

__all__ = ["CrawlCommand", "crawl_parser", "options_from_values"]

_KEYWORD = inspect.Parameter.KEYWORD_ONLY

#: The crawl's own options (after the spiders' ones), as typer annotations.
_OWN: list[tuple[str, Any, Any]] = [
    ("name", Annotated[str | None, typer.Option("--name", help="Name of the crawl (default: method and host); "
                                                "--resume continues the last crawl of this name.",
                                                show_default=False)], None),
    ("resume", Annotated[bool, typer.Option("--resume", help="Continue a stopped or killed crawl of the same "
                                            "name without fetching what it archived.")], False),
    ("refresh", Annotated[bool, typer.Option("--refresh", help="Fetch pages archived recently too "
                                             "(ARCHIVER_RECRAWL_AFTER, default 1d).")], False),
    ("requisites", Annotated[bool, typer.Option("--requisites", help="Also archive each page's requisites: "
                                                "images, stylesheets and their fonts, scripts, posters "
                                                "(ARCHIVER_REQUISITES_MAX per page).")], False),
    ("browser", Annotated[BrowserMode | None, typer.Option(
        "--browser", help="Render pages needing JavaScript in Chromium: never, auto (script-built pages without an "
        "article, and hosts in ARCHIVER_BROWSER_SITES) or always. Default: ARCHIVER_BROWSER when set, else never.",
        show_default=False)], None),
    ("json_output", Annotated[bool, typer.Option("--json", help="JSON lines: each page, each article, then "
                                                 "the run.")], False),
    ("setting", Annotated[list[str], typer.Option("-s", "--set", help="Scrapy or archiver setting NAME=VALUE.")],
     []),
    ("verbose", Annotated[bool, typer.Option("-v", "--verbose", help="Show the crawler's log.")], False),
    ("frontier", Annotated[str | None, typer.Option("--frontier", envvar="ARCHIVER_REDIS_URL", metavar="REDIS_URL",
                                                    help="Share the queue with other processes through Redis "
                                                    "(redis://HOST:6379/0); they join with archiver worker.",
                                                    show_default=False)], None),
]
_MAX_PAGES = ("max_pages", Annotated[int | None, typer.Option("--max-pages", help="Stop after this many pages.",
                                                             show_default=False)], None)


def _option(param: Param, *, help: str, metavar: bool = True) -> tuple[Any, Any]:  # noqa: A002
    """A typer annotation and default for ``param`` (``metavar``: show its metavar)."""
    if param.multiple:
        return Annotated[list[param.type], typer.Option(param.option, help=help)], []  # type: ignore[name-defined]
    if param.type is bool:
        return Annotated[bool, typer.Option(param.option, help=help)], False
    shown = param.metavar if metavar else None
    return Annotated[param.type | None, typer.Option(param.option, help=help, metavar=shown, show_default=False)], None


def crawl_parameters() -> list[inspect.Parameter]:
    """The parameters of ``archiver crawl``, in help order: targets, --max-pages, spider arguments, the rest."""
    spiders = discovery_spiders()
    entries: list[tuple[str, Any, Any]] = []
    for name, spider in spiders.items():
        entries.append((name, *_option(spider.target, help=spider.target.help, metavar=False)))
    entries.append(_MAX_PAGES)
    for param in spider_params():
        users = [spider.target.option for spider in spiders.values() if param in spider.params]
        help_text = param.help if len(users) == len(spiders) else f"{'/'.join(users)}: {param.help}"
        entries.append((param.name, *_option(param, help=help_text)))
    entries += _OWN
    names = [name for name, _, _ in entries]
    clash = {name for name in names if names.count(name) > 1}
    if clash:
        raise ValueError(f"crawl options declared twice (spider names or arguments): {', '.join(sorted(clash))}")
    return [inspect.Parameter(name, _KEYWORD, annotation=annotation, default=default)
            for name, annotation, default in entries]


def options_from_values(values: Mapping[str, Any]) -> CrawlOptions:
    """The :class:`CrawlOptions` of parsed ``archiver crawl`` values; exactly one target must be given."""
    spiders = discovery_spiders()
    given = {name: values[name] for name in spiders if values.get(name)}
    if len(given) != 1:
        listing = ", ".join(f"{spider.target.option} {spider.target.metavar or 'VALUE'}" for spider in spiders.values())
        raise CrawlOptionError(f"give exactly one of {listing}")
    (discovery, target), = given.items()
    fields = {"max_depth", "since", "allow", "deny"}
    spider_values = {param.name: values.get(param.name) for param in spider_params()}
    return CrawlOptions(discovery=discovery, target=target, max_pages=values.get("max_pages"),
                        name=values.get("name"), resume=bool(values.get("resume")),
                        refresh=bool(values.get("refresh")), requisites=bool(values.get("requisites")),
                        **{key: value for key, value in spider_values.items() if key in fields},
                        params={key: value for key, value in spider_values.items()
                                if key not in fields and value is not None})


class CrawlCommand:
    """``archiver crawl``'s callback: ``body(values)`` gets every option's value by name."""

    def __init__(self, body: Callable[[dict[str, Any]], None], doc: str) -> None:
        self._body = body
        self.__doc__ = doc
        self.__name__ = "crawl_command"
        self.__qualname__ = "crawl_command"
        self.__module__ = body.__module__

    @property
    def __signature__(self) -> inspect.Signature:  # noqa: PLW3201 - read by inspect.signature (typer)
        return inspect.Signature(crawl_parameters(), return_annotation=None)

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return {param.name: param.annotation for param in crawl_parameters()}

    def __call__(self, **values: Any) -> None:
        self._body(values)


def crawl_parser() -> Any:
    """``archiver crawl``'s click command, with a body that runs nothing (for checking arguments)."""
    from typer.main import get_command

    app = typer.Typer(add_completion=False, context_settings={"help_option_names": ["-h", "--help"]})
    app.command("crawl")(CrawlCommand(lambda values: None, "Check crawl options."))
    app.command("_unused", hidden=True)(lambda: None)  # two commands: typer keeps the group, so `crawl` is named
    return get_command(app).commands["crawl"]  # type: ignore[attr-defined]
