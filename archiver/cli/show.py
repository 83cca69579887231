"""``archiver show`` and ``archiver get``: read one capture back, as an article or as raw bytes."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from archiver.cli.common import capture_record, fail, find_capture, open_archive, print_json
from archiver.cli.exit_codes import BAD_INPUT
from archiver.cli.terminal import refusal, write_html
from archiver.services.render import to_markdown, to_text
from archiver.services.renderings import DOM, FULL_PAGE, latest, rendering_record, renderings_text
from archiver.services.requisites import requisites_record, requisites_text
from storage.warc import decode_payload

__all__ = ["get_command", "show_command"]


class Format(StrEnum):
    """Output formats of ``show``."""

    text = "text"
    markdown = "markdown"
    json = "json"
    html = "html"


def show_command(
    ref: Annotated[str, typer.Argument(metavar="ID|URL", help="A capture id, or a URL (requested or final).")],
    json_output: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="text, markdown, json or html.")] = Format.text,
) -> None:
    """Show the latest capture of a URL (or a capture by id) with its article, its page requisites
    and its renderings (screenshots, rendered DOM: kind, source, size, WARC record).

    Example: archiver show https://www.example.org/news/2024/story --format markdown
    """
    if json_output:
        fmt = Format.json
    with open_archive(read_only=True) as archive:
        capture = find_capture(archive, ref)
        if fmt is Format.html:
            record = _payload_record(archive, capture)
            write_html(decode_payload(record), record.http_header("Content-Type"))
            return
        article = _article(archive, capture)
        renderings = archive.catalogue.renderings_of(capture.id)
        if fmt is Format.json:
            print_json({**capture_record(capture, article, with_text=True),
                        "requisites": requisites_record(archive.catalogue.requisites_of(capture.id)),
                        "requisite_of": archive.catalogue.pages_needing(capture.id),
                        "renderings": [rendering_record(r) for r in renderings]})
        elif fmt is Format.markdown:
            sys.stdout.write(to_markdown(capture, article))
        else:
            sys.stdout.write(to_text(capture, article) + requisites_text(archive.catalogue.requisites_of(capture.id))
                             + renderings_text(renderings))


def get_command(
    ref: Annotated[str, typer.Argument(metavar="ID|URL", help="A capture id, or a URL (requested or final).")],
    headers: Annotated[bool, typer.Option("--headers", help="Write the HTTP status line and headers first.")] = False,
    decoded: Annotated[bool, typer.Option("--decoded", help="Undo Content-Encoding (gzip, deflate, br).")] = False,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write to FILE instead of stdout; '-' for stdout even when it is a terminal.")] = None,
    screenshot: Annotated[bool, typer.Option(
        "--screenshot", help="Write the page's full-page screenshot (PNG) instead of the payload.")] = False,
    dom: Annotated[bool, typer.Option(
        "--dom", help="Write the page's DOM as rendered by the browser (HTML) instead of the payload.")] = False,
) -> None:
    """Write the archived payload bytes as stored (one seek at the catalogued offset), or a rendering.

    --screenshot and --dom write the capture's screenshot or rendered DOM (the browser lane's
    before one made from replay); a PNG is never written to a terminal: use -o FILE.

    Binary or foreign-charset bytes are not written to a terminal (use -o FILE, or -o - to insist).

    Example: archiver get 42 --decoded -o page.html; archiver get 42 --screenshot -o shot.png
    """
    if screenshot and dom:
        raise fail("--screenshot and --dom: choose one", 2)
    if screenshot or dom:
        _write_rendering(ref, FULL_PAGE if screenshot else DOM, output)
        return
    with open_archive(read_only=True) as archive:
        capture = find_capture(archive, ref)
        head_record = archive.read(capture)
        body_record = _payload_record(archive, capture)
    body = decode_payload(body_record) if decoded else body_record.payload
    data = (head_record.http_head if headers else b"") + body
    if output is None:
        reason = refusal(body, sys.stdout)
        if reason:
            raise fail(f"{reason}: not written to the terminal; use -o FILE (or -o - to write it anyway)"
                       + ("" if decoded else ", and --decoded to undo its Content-Encoding"), code=BAD_INPUT)
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


def _write_rendering(ref: str, kind: str, output: Path | None) -> None:
    """Write the capture's rendering of ``kind`` to ``output`` (stdout when None)."""
    if output is None and kind == FULL_PAGE and sys.stdout.isatty():
        raise fail("a PNG is not written to a terminal: add -o FILE (e.g. -o shot.png)", 2)
    with open_archive(read_only=True) as archive:
        capture = find_capture(archive, ref)
        rendering = latest(archive.catalogue.renderings_of(capture.id, kind), kind)
        if rendering is None:
            what = "screenshot" if kind == FULL_PAGE else "rendered DOM"
            raise fail(f"capture {capture.id} has no {what}")
        data = archive.read_rendering(rendering).payload
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


def _original(archive, capture):  # noqa: ANN001, ANN202
    """The capture a revisit repeats (None when it is gone); the capture itself otherwise."""
    if capture.record_type == "revisit" and capture.revisit_of_id:
        return archive.catalogue.get_capture(capture.revisit_of_id)
    return capture


def _article(archive, capture):  # noqa: ANN001, ANN202
    """The capture's article; for a revisit without one, the article of the capture it repeats."""
    if capture.article is None:
        original = _original(archive, capture)
        if original is not None:
            return original.article
    return capture.article


def _payload_record(archive, capture):  # noqa: ANN001, ANN202
    """The record holding the capture's payload: its own, or the original a revisit points at."""
    original = _original(archive, capture)
    if original is None:
        raise fail(f"capture {capture.id} is a revisit of capture {capture.revisit_of_id}, which is gone")
    return archive.read(original)
