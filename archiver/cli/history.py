"""``archiver history URL``: every capture of a page, oldest first, and what changed each time."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

from archiver.cli.common import console, fail, open_archive, print_json
from archiver.services.records import entry_record
from archiver.services.versions import captures_of_page, history
from storage.catalogue import Capture

__all__ = ["entry_record", "history_command", "page_captures"]


def page_captures(archive: Any, url: str) -> list[Capture]:
    """Every capture of ``url`` (as final or requested URL), oldest first; exit 1 when there is none."""
    captures = captures_of_page(archive.catalogue, url)
    if not captures:
        raise fail(f"nothing archived for {url!r}")
    return captures


def history_command(
    url: Annotated[str, typer.Argument(help="The page's URL (as requested or as finally fetched).")],
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per capture on stdout.")] = False,
) -> None:
    """List every capture of a page, oldest first: status, payload digest, revisits, and whether the text changed.

    Example: archiver history https://www.example.org/news/2024/story

    "changed" compares the extracted text (and title, authors, dates) with the previous
    capture that had an article; a revisit (same bytes as an earlier capture) never changes.
    """
    with open_archive(read_only=True) as archive:
        entries = history(page_captures(archive, url))
    if json_output:
        for entry in entries:
            print_json(entry_record(entry))
        return
    header = "capture  fetched (UTC)        status  record          digest    change      title"
    console.print(Text(header, style="bold"), soft_wrap=True)
    for entry in entries:
        capture = entry.capture
        record = capture.record_type or "failed"
        if capture.revisit_of_id:
            record += f" of #{capture.revisit_of_id}"
        status = str(capture.status) if capture.status is not None else "-"
        digest = (capture.payload_digest or "-").removeprefix("sha1:")[:8]
        line = Text(f"{'#' + str(capture.id):<8} {capture.fetched_at:%Y-%m-%d %H:%M:%S}  {status:<6}  {record:<14}  "
                    f"{digest:<8}  ")
        line.append(f"{entry.change or '-':<10}", style="yellow" if entry.change == "changed" else "")
        if entry.article and entry.article.title:
            line.append(f"  {entry.article.title}")
        if entry.change == "changed":
            line.append(" (" + ", ".join((["text"] if entry.text_changed else []) + entry.fields_changed) + ")",
                        style="dim")
        console.print(line, soft_wrap=True)
    changes = sum(1 for entry in entries if entry.change == "changed")
    console.print(f"{len(entries)} captures, {changes} with changed text or metadata", style="dim")


