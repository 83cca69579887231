"""``archiver search``: full-text and metadata search over the catalogue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from archiver.cli.common import console, err_console, fail, open_archive, print_json
from archiver.cli.filters import (
    AllVersionsOption,
    AuthorOption,
    LangOption,
    QueryArgument,
    SinceOption,
    SiteOption,
    SortOption,
    StatusOption,
    UntilOption,
    build_filters,
)
from archiver.services.records import hit_record
from storage.catalogue import SearchHit, split_marks
from storage.errors import SearchQueryError

__all__ = ["hit_record", "search_command"]


def search_command(
    query: QueryArgument = "",
    author: AuthorOption = None,
    site: SiteOption = None,
    lang: LangOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    status: StatusOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="Show at most N results.")] = 20,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip the first N results (paging).")] = 0,
    sort: SortOption = None,
    all_versions: AllVersionsOption = False,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per result on stdout.")] = False,
) -> None:
    """Search archived articles by words in their title, authors and text, and by metadata.

    Example: archiver search "Armenia CSTO" --since 2023 --lang en

    Example: archiver search --author AFP --site themoscowtimes.com --sort date

    Results are ranked by relevance (bm25, title weighted over body) with a snippet of the
    text; without a query they are listed newest first. Each page appears once, as its
    latest capture that matches, unless --all-versions. A malformed query exits with 2.
    """
    filters = build_filters(query, author=author, site=site, lang=lang, since=since, until=until, status=status,
                            all_versions=all_versions, sort=sort)
    with open_archive(read_only=True) as archive:
        try:
            hits = archive.catalogue.search(filters, limit=limit, offset=offset)
        except SearchQueryError as exc:
            raise fail(str(exc), code=2) from None
        if json_output:
            for hit in hits:
                print_json(hit_record(hit))
            return
        for number, hit in enumerate(hits, start=offset + 1):
            _print_hit(number, hit)
    if not hits:
        err_console.print("no articles match" + (" (try fewer filters)" if offset == 0 else " past that offset"))
    elif len(hits) == limit:
        err_console.print(f"more may match: --offset {offset + limit} shows the next {limit}", style="dim")


def _print_hit(number: int, hit: SearchHit) -> None:
    article, capture = hit.article, hit.capture
    title = Text(f"{number}. ", style="bold")
    title.append(article.title or "(untitled)", style="bold")
    title.append(f"  #{capture.id}", style="dim")
    console.print(title, soft_wrap=True)
    facts = [article.author, article.sitename, (article.published or "")[:10] or None, article.language,
             f"captured {capture.fetched_at:%Y-%m-%d}"]
    console.print(Text("   " + " · ".join(f for f in facts if f), style="dim"), soft_wrap=True)
    console.print(Text("   " + capture.url, style="cyan"), soft_wrap=True)
    snippet, spans = split_marks(hit.snippet)
    if snippet:
        line = Text(snippet)
        for start, end in spans:
            line.stylize("bold yellow", start, end)
        for part in line.wrap(console, max(20, console.width - 3)):  # wrapped lines stay indented under the hit
            part.rstrip()
            console.print(Text("   ").append_text(part), soft_wrap=True)
    console.print()
