"""``archiver extract`` (one page, nothing archived) and ``archiver reextract`` (the archive, again)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from archiver.cli.common import console, err_console, fail, open_archive, print_json
from archiver.cli.filters import parse_date_bound
from storage import Archive
from storage.catalogue import Capture

__all__ = ["extract_command", "reextract_command"]

_URL = re.compile(r"^https?://", re.IGNORECASE)
#: Fields shown by ``extract``, in order (the text comes last).
_FIELDS = ("title", "authors", "published", "modified", "sitename", "language", "description", "canonical_url",
           "image", "tags")


def extract_command(
    source: Annotated[str, typer.Argument(metavar="FILE|URL",
                                          help="A local HTML file, or the URL of an archived page.")],
    url: Annotated[str | None, typer.Option("--url",
                                            help="The page's URL, for a FILE (resolves links, names the site).")]
    = None,
    json_output: Annotated[bool, typer.Option("--json", help="The result as one JSON object.")] = False,
) -> None:
    """Extract the article of one page and print it with where each field came from; nothing is archived.

    A FILE is read from disk. A URL is read from its latest archived capture (the WARC record):
    nothing is fetched, so archive the page first with `archiver archive URL`.

    Example: archiver extract page.html --url https://news.example/2024/05/06/story --json
    """
    from archiver.extraction import extract  # loads the extractor only when needed

    path = Path(source)
    origin: dict[str, Any]
    if _URL.match(source) and not path.exists():
        html, content_type, page_url, origin = _archived_payload(source)
    elif path.is_file():
        try:
            html = path.read_bytes()
        except OSError as exc:
            raise fail(f"cannot read {source}: {exc.strerror}") from None
        content_type, page_url, origin = None, url, {"file": str(path)}
    else:
        raise fail(f"no such file: {source} (give an HTML file or an http(s) URL)", 2)
    result = extract(html, page_url, content_type=content_type)
    data = {**origin, **result.to_dict()}
    if json_output:
        print_json(data)
        return
    _print_result(data)


def _archived_payload(url: str) -> tuple[bytes, str | None, str, dict[str, Any]]:
    """The decoded payload of the latest capture of ``url``, its content type, URL and origin."""
    from storage.warc import decode_payload

    with open_archive(read_only=True) as archive:
        capture = archive.catalogue.latest_capture(url)
        if capture is None:
            raise fail(f"{url} is not in the archive; archive it first: archiver archive {url}")
        if capture.warc_file is None:
            raise fail(f"the last fetch of {url} failed ({capture.error}); archive it again: archiver archive {url}")
        if capture.is_redirect:
            raise fail(f"{url} was archived as a {capture.status} redirect to {capture.redirect_location}; "
                       f"extract that URL instead")
        if capture.content_type and "html" not in capture.content_type.lower():
            raise fail(f"capture #{capture.id} of {url} is {capture.content_type}, not an HTML page")
        payload_capture = _payload_capture(archive, capture)
        record = archive.read(payload_capture)
        html = decode_payload(record)
    origin = {"capture_id": capture.id, "url": capture.url, "fetched_at": capture.fetched_at.isoformat(),
              "status": capture.status}
    return html, capture.content_type, capture.url, origin


def _payload_capture(archive: Archive, capture: Capture) -> Capture:
    """The capture holding the payload: itself, or the original that a revisit repeats."""
    if capture.record_type != "revisit" or capture.revisit_of_id is None:
        return capture
    original = archive.catalogue.get_capture(capture.revisit_of_id)
    if original is None:
        raise fail(f"capture {capture.id} repeats capture {capture.revisit_of_id}, which is gone")
    return original


def _print_result(data: dict[str, Any]) -> None:
    """Each field with its source, then the body."""
    sources = data["sources"]
    if "capture_id" in data:
        console.print(f"capture #{data['capture_id']} of {data['url']} ({data['status']}, {data['fetched_at']})",
                      markup=False, soft_wrap=True)
    for name in _FIELDS:
        value = data[name]
        if isinstance(value, list):
            value = "; ".join(value)
        shown = value if value else "-"
        where = f"  [{sources[name]}]" if name in sources else ""
        console.print(f"{name + ':':<15}{shown}{where}", markup=False, soft_wrap=True)
    text_source = f" [{sources['text']}]" if "text" in sources else ""
    console.print(f"{'words:':<15}{data['word_count']}{text_source}", markup=False)
    console.print(f"{'extractor:':<15}{data['extractor']}", markup=False)
    if data["text"]:
        console.print("", markup=False)
        console.print(data["text"], markup=False, soft_wrap=True)


def reextract_command(
    site: Annotated[str | None, typer.Option("--site", metavar="HOST",
                                             help="Only captures on this host or its subdomains.")]
    = None,
    since: Annotated[str | None, typer.Option("--since", metavar="DATE",
                                              help="Only captures made on or after DATE (2024, 2024-05-06, ISO).")]
    = None,
    url: Annotated[str | None, typer.Option("--url", help="Only the captures of this URL (requested or final).")]
    = None,
    every: Annotated[bool, typer.Option("--all", help="Every capture (needed when no filter is given).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="A JSON summary on stdout.")] = False,
) -> None:
    """Extract archived pages again from their WARC records, after the extractor has improved.

    Goes over the 2xx HTML captures that match the filters. A changed result is written as new
    conversion and metadata records (the WARC files are never rewritten) and updates the
    article in the catalogue and its search index; unchanged results write nothing, so a
    second run changes nothing.

    Example: archiver reextract --site www.themoscowtimes.com --since 2024-01 --json
    """
    from archiver.services.reextract import reextract, select_captures  # loads the extractor only when needed

    if not (site or since or url or every):
        raise typer.BadParameter("give --site, --since or --url, or --all for every capture", param_hint="--all")
    start = parse_date_bound(since, end=False, option="--since") if since else None
    with open_archive() as archive:
        captures = select_captures(archive, host=site, since=start, url=url)
        show_bar = not json_output and err_console.is_terminal
        with Progress(console=err_console, transient=True, disable=not show_bar) as bar:
            task = bar.add_task("extracting", total=len(captures))
            result = reextract(archive, captures, progress=lambda _capture: bar.advance(task))
    if json_output:
        print_json(result.to_dict())
        return
    for change in result.changed:
        console.print(f"~ #{change.capture_id} {change.url}: {', '.join(change.fields)}", markup=False,
                      soft_wrap=True)
    for problem in result.failed:
        console.print(f"✗ {problem}", markup=False, soft_wrap=True)
    console.print(f"{result.captures} captures extracted again: {len(result.changed)} changed, "
                  f"{result.unchanged} unchanged, {len(result.failed)} failed", markup=False)
    if result.failed:
        raise typer.Exit(1)
