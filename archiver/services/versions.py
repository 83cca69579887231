"""The versions of a page: which captures changed what, and which two to compare.

Works on the captures :meth:`storage.catalogue.Catalogue.captures_of_page` returns (oldest first,
articles loaded); reads no database itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from archiver.core.errors import UsageError
from storage.catalogue import Article, Capture, Catalogue

__all__ = [
    "captures_of_page",
    "COMPARED_FIELDS", "HistoryEntry", "VersionError", "changed_fields", "differ", "history", "pick_pair", "same_text",
]

#: Article fields compared besides the text.
COMPARED_FIELDS = ("title", "authors", "published", "modified")


class VersionError(UsageError, ValueError):
    """The captures asked for cannot be compared (not a capture of the page, no article)."""


@dataclass(frozen=True)
class HistoryEntry:
    """One capture in a page's history.

    ``change`` is ``first`` for the first capture with an article, then ``changed`` or
    ``unchanged`` against the previous capture with an article; None when nothing was
    extracted (a redirect hop, an error page, a failed fetch).
    """

    capture: Capture
    article: Article | None
    change: str | None
    text_changed: bool | None
    fields_changed: list[str] = field(default_factory=list)


def same_text(a: str | None, b: str | None) -> bool:
    """True when two texts differ at most in whitespace."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def changed_fields(old: Article, new: Article) -> list[str]:
    """The fields of :data:`COMPARED_FIELDS` whose values differ."""
    return [name for name in COMPARED_FIELDS if getattr(old, name) != getattr(new, name)]


def history(captures: Sequence[Capture]) -> list[HistoryEntry]:
    """Every capture (oldest first) with what changed since the previous one that had an article."""
    entries = []
    previous: Article | None = None
    for capture in captures:
        article = capture.article
        if article is None:
            entries.append(HistoryEntry(capture, None, None, None))
            continue
        if previous is None:
            entries.append(HistoryEntry(capture, article, "first", None))
        else:
            text_changed = not same_text(previous.text, article.text)
            fields = changed_fields(previous, article)
            change = "changed" if text_changed or fields else "unchanged"
            entries.append(HistoryEntry(capture, article, change, text_changed, fields))
        previous = article
    return entries


def differ(a: Article, b: Article) -> bool:
    """True when two versions differ in text (beyond whitespace) or in a compared field."""
    return not same_text(a.text, b.text) or bool(changed_fields(a, b))


def pick_pair(captures: Sequence[Capture], *, from_id: int | None = None,
              to_id: int | None = None) -> tuple[Capture, Capture] | None:
    """The two captures to compare, or None when there is no change to show.

    By default the last change: the last capture of the version before it and the first
    capture that shows it (None when fewer than two captures have an article, or all have the
    same content). With only ``to_id``, the latest earlier capture that differs from it; with
    only ``from_id``, the latest capture. Raises :class:`VersionError` for an id that is not a
    capture of the page with an article, or a ``to_id`` with nothing before it.
    """
    versions = [c for c in captures if c.article is not None]
    by_id = {c.id: c for c in versions}
    for ref in (from_id, to_id):
        if ref is not None and ref not in by_id:
            known = {c.id for c in captures}
            reason = "has no extracted article" if ref in known else "is not a capture of this page"
            raise VersionError(f"capture {ref} {reason}")
    if from_id is not None and to_id is not None:
        return by_id[from_id], by_id[to_id]
    if from_id is not None:
        return by_id[from_id], versions[-1]
    if to_id is not None:
        target = by_id[to_id]
        earlier = versions[:versions.index(target)]
        if not earlier:
            raise VersionError(f"capture {to_id} is the first version of this page: nothing before it")
        differing = [c for c in earlier if differ(c.article, target.article)]  # type: ignore[arg-type]
        return (differing or earlier)[-1], target
    if len(versions) < 2:
        return None
    for index in range(len(versions) - 1, 0, -1):
        if differ(versions[index - 1].article, versions[index].article):  # type: ignore[arg-type]
            return versions[index - 1], versions[index]
    return None


def captures_of_page(catalogue: Catalogue, url: str) -> list[Capture]:
    """Every capture of ``url`` (requested or final URL, as given or normalised), oldest first."""
    from spiders.urls import validate_url

    captures = catalogue.captures_of_page(url)
    if not captures:
        try:
            captures = catalogue.captures_of_page(validate_url(url))
        except ValueError:
            captures = []
    return captures
