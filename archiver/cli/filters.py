"""Search filter options shared by ``search`` and ``export`` (made into filters by archiver.services.filters)."""

from __future__ import annotations

from typing import Annotated

import typer

from archiver.services.filters import build_filters, parse_date_bound
from storage.catalogue import Sort

__all__ = [
    "AllVersionsOption",
    "AuthorOption",
    "LangOption",
    "QueryArgument",
    "SinceOption",
    "SiteOption",
    "SortOption",
    "StatusOption",
    "UntilOption",
    "build_filters",
    "parse_date_bound",
]

QUERY_HELP = ('Full-text query over title, authors and text: words (all must match), "an exact phrase", '
              "prefix*, OR, NOT, (groups), title:word. Empty: list by the filters alone.")

QueryArgument = Annotated[str, typer.Argument(help=QUERY_HELP, show_default=False)]
AuthorOption = Annotated[str | None, typer.Option("--author", help="Only articles by this author (whole words).")]
SiteOption = Annotated[str | None, typer.Option("--site", metavar="HOST",
                                                help="Only pages on this host or its subdomains.")]
LangOption = Annotated[str | None, typer.Option("--lang", metavar="CODE", help="Only articles in this language (en).")]
SinceOption = Annotated[str | None, typer.Option("--since", metavar="DATE",
                                                 help="Published on or after DATE (2023, 2023-04, 2023-04-16, ISO).")]
UntilOption = Annotated[str | None, typer.Option("--until", metavar="DATE",
                                                 help="Published on or before DATE (the whole day, month or year).")]
StatusOption = Annotated[int | None, typer.Option("--status", metavar="N", help="Only captures with this HTTP status.")]
SortOption = Annotated[Sort | None, typer.Option("--sort", help="relevance (default with a query) or date.")]
AllVersionsOption = Annotated[bool, typer.Option("--all-versions",
                                                 help="Every capture of a page, not only its latest match.")]
