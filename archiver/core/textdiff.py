"""Differences between two versions of an article's text, sentence by sentence.

Text is split into sentences (:func:`sentences`), the two lists are compared whole sentence
against whole sentence, and a changed sentence can be compared word by word. The result is
data (:class:`Change`); the CLI and the web UI render it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

__all__ = ["Change", "Hunk", "WordSegment", "diff_sentences", "diff_words", "hunks", "pair_sentences", "sentences"]

# Words after which a full stop does not end a sentence.
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "inc", "ltd", "co", "corp", "gen", "gov",
    "sen", "rep", "col", "lt", "sgt", "capt", "no", "nos", "fig", "approx", "e.g", "i.e", "u.s", "u.k", "u.n",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "p", "pp", "vol",
}
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*\s+")
_OPENERS = "\"'“‘«(["
_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")


def sentences(text: str | None) -> list[str]:
    """``text`` as sentences: each line (paragraph) split after ``.``, ``!``, ``?`` or ``…``.

    A stop ends a sentence when whitespace and then a capital letter or a digit (perhaps
    after an opening quote) follow, and the word before it is not an abbreviation or an
    initial. Whitespace inside a sentence is collapsed.
    """
    result: list[str] = []
    for line in (text or "").splitlines():
        paragraph = " ".join(line.split())
        start = 0
        for match in _END.finditer(paragraph):
            if _is_boundary(paragraph, start, match):
                result.append(paragraph[start:match.end()].strip())
                start = match.end()
        if paragraph[start:].strip():
            result.append(paragraph[start:].strip())
    return result


def _is_boundary(paragraph: str, start: int, match: re.Match[str]) -> bool:
    following = paragraph[match.end():].lstrip(_OPENERS)
    if not following or not (following[0].isupper() or following[0].isdigit()):
        return False
    before = paragraph[start:match.start()].split()
    word = before[-1].lower().rstrip(".") if before else ""
    abbreviation = word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
    return not (match.group().startswith(".") and abbreviation)


@dataclass(frozen=True)
class WordSegment:
    """A run of text that is kept (``equal``), removed (``delete``) or added (``insert``)."""

    op: str
    text: str


@dataclass
class Change:
    """Sentences removed, added or replaced between two versions.

    ``old_index`` / ``new_index`` are the positions of the first sentence concerned in each
    version; ``pairs`` match old and new sentences that are edits of each other (for word
    diffs), by index into ``old`` and ``new``.
    """

    op: str  # delete | insert | replace (| equal: unchanged context in a hunk)
    old_index: int
    new_index: int
    old: list[str]
    new: list[str]
    pairs: list[tuple[int, int]] = field(default_factory=list)


def diff_sentences(old_text: str | None, new_text: str | None) -> list[Change]:
    """The changes that turn ``old_text`` into ``new_text``, sentence by sentence."""
    return [part for hunk in hunks(old_text, new_text, context=0) for part in hunk.parts if part.op != "equal"]


@dataclass
class Hunk:
    """A stretch of changes with up to ``context`` unchanged sentences around them (as in ``diff -u``).

    ``parts`` are :class:`Change` objects, the unchanged ones with op ``equal``.
    """

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    parts: list[Change]


def hunks(old_text: str | None, new_text: str | None, *, context: int = 1) -> list[Hunk]:
    """The differences grouped into hunks with ``context`` unchanged sentences around each."""
    old, new = sentences(old_text), sentences(new_text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    result = []
    for group in matcher.get_grouped_opcodes(context):
        if context == 0:
            group = [opcode for opcode in group if opcode[0] != "equal"]
        if not group or all(opcode[0] == "equal" for opcode in group):
            continue
        parts = []
        for op, i1, i2, j1, j2 in group:
            change = Change(op, i1, j1, old[i1:i2], new[j1:j2])
            if op == "replace":
                change.pairs = pair_sentences(change.old, change.new)
            parts.append(change)
        first, last = group[0], group[-1]
        result.append(Hunk(first[1], last[2] - first[1], first[3], last[4] - first[3], parts))
    return result


def pair_sentences(old: list[str], new: list[str], *, threshold: float = 0.5) -> list[tuple[int, int]]:
    """Pairs (old index, new index), in order, of sentences similar enough to be edits of each other."""
    pairs: list[tuple[int, int]] = []
    next_new = 0
    for i, sentence in enumerate(old):
        best, best_ratio = None, threshold
        for j in range(next_new, len(new)):
            ratio = difflib.SequenceMatcher(None, sentence.split(), new[j].split(), autojunk=False).ratio()
            if ratio >= best_ratio and (best is None or ratio > best_ratio):
                best, best_ratio = j, ratio
        if best is not None:
            pairs.append((i, best))
            next_new = best + 1
    return pairs


def diff_words(old: str, new: str) -> list[WordSegment]:
    """``old`` turned into ``new`` as kept, removed and added runs of words."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    segments: list[WordSegment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            _append(segments, "equal", "".join(a[i1:i2]))
            continue
        if op in ("delete", "replace"):
            _append(segments, "delete", "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            _append(segments, "insert", "".join(b[j1:j2]))
    return segments


def _append(segments: list[WordSegment], op: str, text: str) -> None:
    if not text:
        return
    if segments and segments[-1].op == op:
        segments[-1] = WordSegment(op, segments[-1].text + text)
    else:
        segments.append(WordSegment(op, text))
