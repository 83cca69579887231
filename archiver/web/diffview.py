"""A diff between two captures as rows for the diff page (HTML-escaped, changed words marked)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from markupsafe import Markup

from archiver.core.textdiff import Change, diff_words, hunks
from archiver.services.versions import COMPARED_FIELDS
from storage.catalogue import Article

__all__ = ["DiffRow", "field_changes", "diff_rows"]


@dataclass(frozen=True)
class DiffRow:
    """One line of the diff: ``kind`` is equal, delete, insert, change (an edited sentence) or hunk."""

    kind: str
    html: Markup


def _value(value: object) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def field_changes(old: Article, new: Article) -> list[tuple[str, str, str]]:
    """``(field, old value, new value)`` for each compared metadata field that changed."""
    return [(name, _value(getattr(old, name)), _value(getattr(new, name)))
            for name in COMPARED_FIELDS if getattr(old, name) != getattr(new, name)]


def diff_rows(old_text: str | None, new_text: str | None, *, context: int = 1) -> list[DiffRow]:
    """The text diff in hunks: unchanged context, removed, added and edited sentences."""
    rows: list[DiffRow] = []
    for hunk in hunks(old_text, new_text, context=context):
        rows.append(DiffRow("hunk", Markup(f"sentences {hunk.old_start + 1}–{hunk.old_start + hunk.old_count} "
                                           f"→ {hunk.new_start + 1}–{hunk.new_start + hunk.new_count}")))
        for part in hunk.parts:
            rows.extend(_part_rows(part))
    return rows


def _part_rows(part: Change) -> list[DiffRow]:
    if part.op == "equal":
        return [DiffRow("equal", Markup(html.escape(s))) for s in part.old]
    rows = []
    paired = dict(part.pairs)
    new_paired = set(paired.values())
    next_new = 0
    for i, sentence in enumerate(part.old):
        if i in paired:
            j = paired[i]
            rows += [DiffRow("insert", Markup(html.escape(part.new[k]))) for k in range(next_new, j)
                     if k not in new_paired]
            rows.append(DiffRow("change", _words(sentence, part.new[j])))
            next_new = j + 1
        else:
            rows.append(DiffRow("delete", Markup(html.escape(sentence))))
    rows += [DiffRow("insert", Markup(html.escape(part.new[k]))) for k in range(next_new, len(part.new))
             if k not in new_paired]
    return rows


def _words(old: str, new: str) -> Markup:
    out = []
    for segment in diff_words(old, new):
        text = html.escape(segment.text)
        out.append(text if segment.op == "equal" else f"<del>{text}</del>" if segment.op == "delete"
                   else f"<ins>{text}</ins>")
    return Markup("".join(out))
