"""Which fields of two versions of an article differ, ignoring noise, and by how much.

Noise that is never an edit:

- whitespace and typographic variants (curly quotes, dashes, non-breaking spaces, NFKC forms);
- the headline and byline repeated at the top of the body (extraction of a short page may glue
  them to the first paragraph): they are compared as fields of their own;
- boilerplate in the body. We compare trafilatura's article text (sidebars are mostly dropped
  already) and also drop, before comparing, sentences that look like link lists (short, no
  sentence-ending punctuation: "Most read", "Ukraine war live") and sentences that occur in
  at least two other pages of the same site (a rotating "most read" box shows the same
  teasers everywhere; one other page sharing a sentence may just be a follow-up story quoting
  it). So a page whose only change is such a box yields no change.

The body is summarised at sentence level with :mod:`archiver.core.textdiff` (sentences added,
removed, edited: an edit is a removed and an added sentence similar enough to be paired).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from archiver.core.textdiff import pair_sentences, sentences

__all__ = ["FIELD_GROUPS", "FieldChange", "Version", "compare", "normalise"]

#: ``--field`` names and the change fields each covers.
FIELD_GROUPS = {
    "title": ("title",), "description": ("description",), "authors": ("authors",),
    "dates": ("published", "modified"), "body": ("body",),
}

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u200b": "",
})
_SENTENCE_END = re.compile(r"[.!?:;\"')\]]$")
#: A sentence shorter than this without ending punctuation is taken for a link or a label.
_LINK_LIKE_WORDS = 8


def normalise(text: str | None) -> str:
    """``text`` with typographic variants unified and whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text or "").translate(_TRANSLATE)
    return " ".join(text.split())


@dataclass(frozen=True)
class Version:
    """The compared fields of one version (a catalogue article)."""

    title: str | None = None
    description: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    text: str | None = None


@dataclass
class FieldChange:
    """What changed between two versions: field names, word counts, body sentence summary, details."""

    fields: list[str] = field(default_factory=list)
    words_added: int = 0
    words_removed: int = 0
    sentences_added: list[str] = field(default_factory=list)
    sentences_removed: list[str] = field(default_factory=list)
    sentences_edited: list[tuple[str, str]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields)


def _link_like(sentence: str) -> bool:
    return len(sentence.split()) < _LINK_LIKE_WORDS and not _SENTENCE_END.search(sentence)


_BY = re.compile(r"^by\s+", re.IGNORECASE)
_NAME_GLUE = re.compile(r"^(?:\s*(?:,|;|&|\band\b)\s*)+", re.IGNORECASE)


def _strip_heading(sentence: str, title: str | None, authors: tuple[str, ...]) -> str:
    """``sentence`` without a leading headline and a leading "By NAME, NAME and NAME"."""
    heading = normalise(title)
    if heading and sentence.startswith(heading):
        sentence = sentence[len(heading):].lstrip(" :|-")
    match = _BY.match(sentence)
    names = sorted((normalise(a) for a in authors if a), key=len, reverse=True)
    if match and names:
        rest, consumed = sentence[match.end():], False
        while True:
            name = next((n for n in names if rest.startswith(n)), None)
            if name is None:
                break
            rest, consumed = _NAME_GLUE.sub("", rest[len(name):]).lstrip(), True
        if consumed:
            sentence = rest
    return sentence.strip()


def body_sentences(text: str | None, site_sentences: frozenset[str] = frozenset(), *, title: str | None = None,
                   authors: tuple[str, ...] = ()) -> list[str]:
    """The normalised sentences of ``text`` that are not boilerplate (link-like or seen elsewhere on the site).

    A headline and byline (``title``, ``authors``) opening the first sentences are dropped.
    """
    kept = []
    for index, sentence in enumerate(sentences(text)):
        norm = normalise(sentence)
        if index < 2:
            norm = _strip_heading(norm, title, authors)
        if norm and not _link_like(norm) and norm not in site_sentences:
            kept.append(norm)
    return kept


def site_sentence_set(texts: Iterable[str | None], *, min_pages: int = 2) -> frozenset[str]:
    """The normalised sentences found in at least ``min_pages`` of ``texts`` (other pages of the site, one each)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({normalise(s) for s in sentences(text)})
    return frozenset(sentence for sentence, pages in counts.items() if pages >= min_pages)


def _words(text: str | None) -> list[str]:
    return normalise(text).split()


def _word_delta(old: list[str], new: list[str]) -> tuple[int, int]:
    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            removed += i2 - i1
        if op in ("insert", "replace"):
            added += j2 - j1
    return added, removed


def compare(old: Version, new: Version, *, site_sentences: frozenset[str] = frozenset()) -> FieldChange:
    """What changed from ``old`` to ``new`` (empty when only noise did)."""
    change = FieldChange()
    for name in ("title", "description", "published", "modified"):
        before, after = getattr(old, name), getattr(new, name)
        if normalise(before) != normalise(after):
            change.fields.append(name)
            change.details[name] = {"old": before, "new": after}
            added, removed = _word_delta(_words(before), _words(after))
            change.words_added += added
            change.words_removed += removed
    old_authors = [normalise(a) for a in old.authors]
    new_authors = [normalise(a) for a in new.authors]
    if sorted(old_authors) != sorted(new_authors):
        change.fields.append("authors")
        change.details["authors"] = {"old": list(old.authors), "new": list(new.authors)}
        added, removed = _word_delta(" ".join(old_authors).split(), " ".join(new_authors).split())
        change.words_added += added
        change.words_removed += removed
    _compare_body(change, old, new, site_sentences)
    return change


def _compare_body(change: FieldChange, old_version: Version, new_version: Version,
                  site_sentences: frozenset[str]) -> None:
    old = body_sentences(old_version.text, site_sentences, title=old_version.title, authors=old_version.authors)
    new = body_sentences(new_version.text, site_sentences, title=new_version.title, authors=new_version.authors)
    if old == new:
        return
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        removed, added = old[i1:i2], new[j1:j2]
        pairs = pair_sentences(removed, added) if op == "replace" else []
        paired_old = {i for i, _ in pairs}
        paired_new = {j for _, j in pairs}
        change.sentences_edited.extend((removed[i], added[j]) for i, j in pairs)
        change.sentences_removed.extend(s for i, s in enumerate(removed) if i not in paired_old)
        change.sentences_added.extend(s for j, s in enumerate(added) if j not in paired_new)
    words_added, words_removed = _word_delta(" ".join(old).split(), " ".join(new).split())
    change.words_added += words_added
    change.words_removed += words_removed
    change.fields.append("body")
    change.details["body"] = {
        "added": change.sentences_added, "removed": change.sentences_removed,
        "edited": [{"old": a, "new": b} for a, b in change.sentences_edited],
    }
