"""The ``extraction`` section of ``archiver stats``: per-site extraction health.

For each site, over its captures with a 2xx HTML response: how many have an empty body or
miss a title, an author or a date, and the median word count; and how many of its captures (of
any status) were bot walls or challenge pages, flagged ``blocked`` and never articles. A site whose
layout changed shows up as a jump in those shares; ``archiver reextract --site HOST`` then reruns it.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.table import Table

from archiver.cli.common import console, fit
from storage import Archive

__all__ = ["collect_extraction", "render_extraction"]


def collect_extraction(archive: Archive, site: str | None = None) -> list[dict[str, Any]]:
    """One JSON-ready row per site (``site``: only that host and its subdomains)."""
    rows = archive.catalogue.extraction_health(host=site)
    report = []
    for row in rows:
        item = asdict(row)
        for name in ("empty_body", "no_title", "no_author", "no_date"):
            item[f"{name}_share"] = round(row.share(getattr(row, name)), 4)
        report.append(item)
    return report


def _percent(count: int, total: int) -> str:
    return f"{count / total:.0%}" if total else "-"


def render_extraction(section: list[dict[str, Any]], top: int) -> None:
    """The health table: one line per site, most captures first."""
    if not section:
        console.print("No 2xx HTML captures to report on.", markup=False)
        return
    table = Table(title=f"Extraction health ({len(section)} sites, 2xx HTML captures)", title_justify="left",
                  title_style="bold", box=None, pad_edge=False, header_style="dim")
    table.add_column("host", no_wrap=True)  # a cut host name is no use
    for heading in ("captures", "empty body", "no title", "no author", "no date", "median words", "blocked"):
        table.add_column(heading, justify="right")
    for row in section[:top]:
        total = row["captures"]
        table.add_row(row["host"] or "(none)", str(total), _percent(row["empty_body"], total),
                      _percent(row["no_title"], total), _percent(row["no_author"], total),
                      _percent(row["no_date"], total), f"{row['median_words']:g}", str(row.get("blocked", 0)))
    console.print(fit(table))
    blocked = sum(row.get("blocked", 0) for row in section)
    if blocked:
        console.print(f"{blocked} blocked page(s): bot walls or challenge pages, archived but not articles "
                      "(archiver show --json ID lists the flag).", markup=False)
    console.print()
