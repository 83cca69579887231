"""``archiver changes`` (detected edits) and ``archiver revisits`` (what is due to be fetched again)."""

from __future__ import annotations

import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from archiver.cli.common import console, open_archive, print_json
from archiver.cli.filters import parse_date_bound
from archiver.crawler.changes.compare import FIELD_GROUPS
from archiver.services.watch.feed import changes_feed
from archiver.services.watch.present import change_dict, summary
from storage.catalogue import utcnow

__all__ = ["changes_command", "revisits_command"]


class Format(StrEnum):
    """Output formats of ``archiver changes``."""

    text = "text"
    json = "json"
    atom = "atom"


class FieldName(StrEnum):
    """``--field`` choices."""

    title = "title"
    description = "description"
    body = "body"
    authors = "authors"
    dates = "dates"


def changes_command(
    since: Annotated[str | None, typer.Option("--since", help="Only edits captured on or after this date "
                                              "(2026, 2026-11, 2026-11-30 or an ISO datetime).",
                                              show_default=False)] = None,
    site: Annotated[str | None, typer.Option("--site", help="Only pages of this host (and its subdomains).",
                                             show_default=False)] = None,
    field: Annotated[list[FieldName], typer.Option("--field", help="Only edits of this field (repeatable): "
                                                   "title, description, body, authors, dates.")] = [],  # noqa: B006
    min_words: Annotated[int, typer.Option("--min-words", min=0, help="Only edits of at least this many words "
                                           "(added + removed).")] = 0,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many edits.")] = 100,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per edit (same as --format json).")]
    = False,
    output_format: Annotated[Format, typer.Option("--format", help="text, json (one object a line) or atom "
                                                  "(an Atom feed).")] = Format.text,
) -> None:
    """List edits found in recaptured articles, newest first: which fields changed and by how much.

    Example: archiver changes --since 2026-11-01 --site example.com --field title --format atom > edits.atom

    An edit is recorded when a revisit (see `archiver revisits`) or any later capture of a page
    shows a different title, description, byline, date or body text; whitespace, quote styles
    and boilerplate shared with other pages of the site (most-read boxes) are ignored.
    `archiver diff URL` shows an edit in full.
    """
    start = parse_date_bound(since, end=False, option="--since") if since else None
    fields = [name for choice in field for name in FIELD_GROUPS[choice.value]]
    if json_output:
        output_format = Format.json
    with open_archive(read_only=True) as archive:
        found = archive.catalogue.changes(since=start, site=_host(site), fields=fields, min_words=min_words,
                                          limit=limit)
        if output_format is Format.atom:
            sys.stdout.buffer.write(changes_feed(found))
            sys.stdout.buffer.write(b"\n")
            sys.stdout.flush()
            return
        if output_format is Format.json:
            for change in found:
                print_json(change_dict(change))
            return
        if not found:
            console.print("no edits found", style="dim")
            return
        table = Table(box=None, show_header=True, header_style="bold")
        for column in ("captured", "page", "what changed", "captures"):
            table.add_column(column, overflow="fold")
        for change in found:
            table.add_row(f"{change.after_fetched_at:%Y-%m-%d %H:%M}", f"{change.title or ''}\n{change.url}",
                          summary(change), f"{change.before_capture_id} → {change.after_capture_id}")
        console.print(table)


def revisits_command(
    all_planned: Annotated[bool, typer.Option("--all", help="Every planned revisit, not only those due now.")]
    = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 200,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per revisit on stdout.")] = False,
) -> None:
    """List article revisits that are due (or, with --all, planned), soonest first.

    Example: archiver revisits --json

    After a page's first article is archived it is fetched again on a decaying plan
    (ARCHIVER_REVISIT_POLICY, default 1h,6h,1d,7d after the first capture; `-s
    ARCHIVER_REVISIT_POLICY=...` per crawl or schedule, `off` for none). `archiver scheduler`
    runs the due ones.
    """
    now = utcnow()
    with open_archive(read_only=True) as archive:
        rows = archive.catalogue.revisits(due_by=None if all_planned else now, limit=limit)
        if json_output:
            for row in rows:
                print_json({"url": row.url, "next_due_at": _iso(row.next_due_at), "step": row.step,
                            "steps": len(row.policy or []), "first_archived_at": _iso(row.first_archived_at),
                            "last_capture_id": row.last_capture_id, "due": bool(row.next_due_at and
                                                                                row.next_due_at <= now),
                            "leased_by": row.lease_owner})
            return
        if not rows:
            console.print("no revisits due" if not all_planned else "no revisits planned", style="dim")
            return
        table = Table(box=None, show_header=True, header_style="bold")
        for column in ("due", "step", "url"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(f"{row.next_due_at:%Y-%m-%d %H:%M}" if row.next_due_at else "-",
                          f"{row.step + 1}/{len(row.policy or [])}", row.url)
        console.print(table)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _host(site: str | None) -> str | None:
    if not site:
        return None
    host = site.strip().split("://", 1)[-1]
    return host.split("/", 1)[0] or None
