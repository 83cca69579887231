"""What a catalogue search asks for and what it gives back (plain data, no SQL).

:class:`SearchFilters` is built by the CLI (and later the web layer) and read by
:func:`storage.catalogue.queries.search_articles`, which returns :class:`SearchHit` objects.
A hit's snippet marks matched words with :data:`MARK_START` / :data:`MARK_END`; each front
end turns them into its own highlighting with :func:`split_marks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.catalogue.models import Article, Capture

__all__ = ["MARK_END", "MARK_START", "SearchFilters", "SearchHit", "Sort", "excerpt", "lead", "split_marks"]

MARK_START = "\x02"
MARK_END = "\x03"


class Sort(StrEnum):
    """Order of search results."""

    relevance = "relevance"
    date = "date"


@dataclass(frozen=True)
class SearchFilters:
    """A search: full-text ``query`` (may be empty) and metadata filters, all combined with AND.

    - ``author``: a name (or part of one, whole words) among the article's authors;
    - ``site``: a host name; its subdomains match too (``example.org`` matches ``www.example.org``);
    - ``language``: a language code (``en`` also matches ``en-GB``);
    - ``since`` / ``until``: the article's date is on or after ``since`` and before ``until``;
      the date is the published date, or the capture time when the page gave none;
    - ``status``: the HTTP status of the capture;
    - ``all_versions``: every capture of a page, not only the latest one that matches;
    - ``sort``: relevance (the default with a query) or date (newest first; the default without).
    """

    query: str = ""
    author: str | None = None
    site: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    status: int | None = None
    all_versions: bool = False
    sort: Sort | None = None

    @property
    def effective_sort(self) -> Sort:
        """The order actually used: relevance needs a query."""
        if not self.query.strip():
            return Sort.date
        return self.sort or Sort.relevance


@dataclass(frozen=True)
class SearchHit:
    """One result: the article, its capture, its bm25 score (lower is better; None without a query)."""

    article: Article
    capture: Capture
    score: float | None
    snippet: str


def split_marks(snippet: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without marks, and the (start, end) character spans that were marked."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start: int | None = None
    for part in re.split(f"([{MARK_START}{MARK_END}])", snippet):
        if part == MARK_START:
            start = length
        elif part == MARK_END:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            plain.append(part)
            length += len(part)
    return "".join(plain), spans


def lead(article: Article, words: int = 30) -> str:
    """The first ``words`` words of the description or text (for results without a query)."""
    source = article.description or article.text or ""
    tokens = source.split()
    return " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")


def excerpt(text: str | None, needle: str, words: int = 24) -> str:
    """About ``words`` words of ``text`` around the first case-insensitive ``needle``, marked.

    Used where the database has no snippet function of its own.
    """
    text = text or ""
    found = text.lower().find(needle.lower()) if needle else -1
    if found < 0:
        tokens = text.split()
        return " ".join(tokens[:words]) + ("…" if len(tokens) > words else "")
    before = text[:found].split()[-(words // 2):]
    after = text[found + len(needle):].split(maxsplit=words // 2)[: words // 2]
    marked = MARK_START + text[found: found + len(needle)] + MARK_END
    head = ("…" if len(text[:found].split()) > len(before) else "") + " ".join(before)
    glue = " " if before and text[found - 1: found].isspace() else ""
    tail_glue = " " if after and text[found + len(needle): found + len(needle) + 1].isspace() else ""
    return head + glue + marked + tail_glue + " ".join(after) + "…"
