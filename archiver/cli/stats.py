"""``archiver stats``: what the archive holds, by site, language and month, and its size on disk.

The report is a dict of named sections (:func:`collect`); each section has a renderer in
:data:`RENDERERS`. A new view adds an option to :func:`stats_command`, a section to the report
and a renderer, without touching the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.table import Table

from archiver.cli.common import console, fit, open_archive, print_json
from archiver.cli.stats_extraction import collect_extraction, render_extraction
from storage import Archive

__all__ = ["RENDERERS", "collect", "stats_command"]


def stats_command(
    json_output: Annotated[bool, typer.Option("--json", help="The report as one JSON object.")] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Show at most N sites and languages.")] = 20,
    extraction: Annotated[bool, typer.Option("--extraction", help="Per-site extraction health instead.")] = False,
    site: Annotated[str | None, typer.Option("--site", metavar="HOST", help="With --extraction: only this host.")]
    = None,
) -> None:
    """Count captures and articles by site, language and month; show the archive's size.

    Example: archiver stats --json

    Sites are hosts of the captured URLs; "pages" counts distinct URLs with an article;
    months are UTC (captures by when they were made, articles by their published date).
    With --extraction: per site, the share of 2xx HTML captures with an empty body or no
    title, author or date, and the median word count (archiver stats --extraction --site HOST).
    """
    if site and not extraction:
        raise typer.BadParameter("--site goes with --extraction", param_hint="--site")
    with open_archive(read_only=True) as archive:
        report = {"extraction": collect_extraction(archive, site)} if extraction else collect(archive)
    if json_output:
        print_json(report)
        return
    for name, section in report.items():
        renderer = RENDERERS.get(name)
        if renderer is not None:
            renderer(section, top)


def collect(archive: Archive) -> dict[str, Any]:
    """The report: ``totals``, ``storage``, ``sites``, ``languages``, ``months`` (JSON-ready)."""
    stats = archive.catalogue.stats(archive.config.warc_dir)
    return {
        "totals": stats.totals,
        "storage": {"warc_files": stats.warc_files, "warc_bytes": stats.warc_bytes,
                    "warc_dir": str(archive.config.warc_dir)},
        "sites": [asdict(row) for row in stats.by_host],
        "languages": [asdict(row) for row in stats.by_language],
        "months": [asdict(row) for row in stats.by_month],
    }


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} B"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    table = Table(title=title, title_justify="left", title_style="bold", box=None, pad_edge=False,
                  header_style="dim")
    for index, heading in enumerate(columns):
        table.add_column(heading, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    console.print(fit(table))
    console.print()


def _totals(section: dict[str, int], _top: int) -> None:
    _table("Catalogue", ["", "count"], [[name.replace("_", " "), value] for name, value in section.items()])


def _storage(section: dict[str, Any], _top: int) -> None:
    _table("Storage", ["", ""], [["WARC files", section["warc_files"]],
                                 ["WARC size", _size(section["warc_bytes"])], ["directory", section["warc_dir"]]])


def _sites(section: list[dict[str, Any]], top: int) -> None:
    rows = [[row["host"] or "(none)", row["captures"], row["articles"], row["pages"]] for row in section[:top]]
    _table(f"Sites ({len(section)})", ["host", "captures", "articles", "pages"], rows)


def _languages(section: list[dict[str, Any]], top: int) -> None:
    rows = [[row["language"] or "(unknown)", row["articles"], row["pages"]] for row in section[:top]]
    _table(f"Languages ({len(section)})", ["language", "articles", "pages"], rows)


def _months(section: list[dict[str, Any]], _top: int) -> None:
    rows = [[row["month"], row["captured"], row["published"]] for row in section]
    _table("Months (UTC)", ["month", "captured", "published"], rows)


#: How each report section is shown in the terminal.
RENDERERS: dict[str, Callable[[Any, int], None]] = {
    "totals": _totals,
    "storage": _storage,
    "sites": _sites,
    "languages": _languages,
    "months": _months,
    "extraction": render_extraction,
}
