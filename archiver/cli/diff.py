"""``archiver diff URL``: what changed in a page's text and metadata between two captures."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from archiver.cli.common import console, err_console, fail, open_archive, print_json
from archiver.cli.history import page_captures
from archiver.core.textdiff import Change, WordSegment, diff_words, hunks
from archiver.services.records import diff_record
from archiver.services.versions import COMPARED_FIELDS, VersionError, differ, pick_pair
from archiver.services.watch.present import summary
from storage.catalogue import Capture

__all__ = ["diff_command", "diff_record"]

_STYLES = {"-": "red", "+": "green", "@": "cyan", "~": "yellow"}


def diff_command(
    url: Annotated[str, typer.Argument(help="The page's URL (as requested or as finally fetched).")],
    from_id: Annotated[int | None, typer.Option("--from", metavar="ID", help="Older capture (default: see below).")]
    = None,
    to_id: Annotated[int | None, typer.Option("--to", metavar="ID", help="Newer capture (default: see below).")] = None,
    words: Annotated[bool, typer.Option("--words", help="Mark the changed words inside each changed sentence.")]
    = False,
    context: Annotated[int, typer.Option("--context", "-U", min=0, help="Unchanged sentences shown around changes.")]
    = 1,
    json_output: Annotated[bool, typer.Option("--json", help="The changes as one JSON object.")] = False,
) -> None:
    """Show how a page's extracted text (and title, authors, dates) changed between two captures.

    Example: archiver diff https://www.example.org/news/2024/story --words

    By default the last change: the last capture before it against the first one that shows
    it. The text is compared sentence by sentence, one sentence per line: "-" an old sentence,
    "+" a new one. --words shows a changed sentence once ("~"), with [-removed-] and {+added+}
    words (coloured instead on a terminal; NO_COLOR is honoured). When the silent-edit watch
    recorded this change (`archiver changes`), a last line "# edit ..." sums it up per field.
    """
    with open_archive(read_only=True) as archive:
        captures = page_captures(archive, url)
    try:
        pair = pick_pair(captures, from_id=from_id, to_id=to_id)
    except VersionError as exc:
        raise fail(str(exc), code=2) from None
    if pair is None:
        versions = sum(1 for c in captures if c.article is not None)
        message = (f"nothing to compare: {versions} capture(s) of this page have an article" if versions < 2
                   else f"no change: the {versions} captures of this page with an article have the same content")
        if json_output:
            print_json({"url": url, "from": None, "to": None, "fields": [], "changes": [], "message": message})
        else:
            err_console.print(message)
        return
    old, new = pair
    if json_output:  # the same object as the web API's /api/diff (`archiver changes --json` has the edits)
        print_json(diff_record(old, new))
        return
    with open_archive(read_only=True) as archive:
        edit = archive.catalogue.change_between(old.id, new.id)
    if not differ(old.article, new.article):  # type: ignore[arg-type]
        err_console.print(f"no change: captures #{old.id} and #{new.id} have the same text, title, authors and dates")
        return
    _print_diff(console, old, new, words=words, context=context)
    if edit is not None:
        _line(console, "# ", f"edit #{edit.id} recorded: {summary(edit)}")


def _label(capture: Capture) -> str:
    return f"capture #{capture.id} ({capture.fetched_at:%Y-%m-%d %H:%M:%S} UTC)"


def _field_value(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def _coloured(out: Console) -> bool:
    return bool(out.is_terminal and out.color_system and not out.no_color)


def _line(out: Console, marker: str, text: str | Text) -> None:
    line = Text(marker, style=_STYLES.get(marker[:1], ""))
    if isinstance(text, Text):
        line.append_text(text)
    else:
        line.append(text, style=_STYLES.get(marker[:1], ""))
    out.print(line, soft_wrap=True)


def _print_diff(out: Console, old: Capture, new: Capture, *, words: bool, context: int) -> None:
    a, b = old.article, new.article
    assert a is not None and b is not None
    _line(out, "--- ", _label(old))
    _line(out, "+++ ", _label(new))
    for name in COMPARED_FIELDS:
        before, after = getattr(a, name), getattr(b, name)
        if before != after:
            _line(out, "@@ ", f"{name} @@")
            _line(out, "-", _field_value(before))
            _line(out, "+", _field_value(after))
    for hunk in hunks(a.text, b.text, context=context):
        _line(out, "@@ ", f"-{hunk.old_start + 1},{hunk.old_count} +{hunk.new_start + 1},{hunk.new_count} @@")
        for part in hunk.parts:
            _print_part(out, part, words=words)


def _print_part(out: Console, part: Change, *, words: bool) -> None:
    if part.op == "equal":
        for sentence in part.old:
            _line(out, " ", sentence)
        return
    paired = dict(part.pairs) if words else {}
    new_paired = set(paired.values())
    next_new = 0
    for i, sentence in enumerate(part.old):
        if i in paired:
            j = paired[i]
            for k in range(next_new, j):  # new sentences inserted before this edited one
                if k not in new_paired:
                    _line(out, "+", part.new[k])
            _line(out, "~", _word_text(out, diff_words(sentence, part.new[j])))
            next_new = j + 1
        else:
            _line(out, "-", sentence)
    for k in range(next_new, len(part.new)):
        if k not in new_paired:
            _line(out, "+", part.new[k])


def _word_text(out: Console, segments: list[WordSegment]) -> Text:
    text = Text()
    colour = _coloured(out)
    for segment in segments:
        if segment.op == "equal":
            text.append(segment.text)
        elif segment.op == "delete":
            text.append(segment.text if colour else f"[-{segment.text}-]", style="red strike")
        else:
            text.append(segment.text if colour else f"{{+{segment.text}+}}", style="green")
    return text
