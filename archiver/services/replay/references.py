"""One reference of an archived page or stylesheet: resolved, then sent to the archive, or left alone.

``http``/``https`` references become archive URLs; in-page anchors, ``data:`` and the like stay as
written (they fetch nothing); anything else that could fetch or run (``javascript:``, ``ftp:``,
``file:``) becomes an inert ``#``. :func:`parse_srcset` reads ``srcset`` as the HTML standard does
(a URL is a run of non-space characters, so ``data:`` URLs with commas survive).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

from w3lib.url import safe_url_string

from archiver.core.srcset import srcset_candidates

__all__ = ["Resolver", "resolver", "rewrite_srcset"]

#: Turns a reference as written into what to write instead.
Resolver = Callable[[str], str]

_KEEP_SCHEMES = {"data", "about", "mailto", "tel", "blob"}
_ARCHIVED_SCHEMES = {"http", "https"}
#: Characters a URL may hold as it is; any other (space, non-ASCII, quotes) is escaped as Scrapy does.
_NEEDS_ESCAPING = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")


def resolver(base: str, to_archive: Callable[[str], str]) -> Resolver:
    """A :data:`Resolver` for references written in a document at ``base``; ``to_archive`` gets absolute URLs."""

    done: dict[str, str] = {}  # a page names its logo, its sections and its CDN many times

    def resolve(reference: str) -> str:
        if reference not in done:
            done[reference] = _resolve(reference)
        return done[reference]

    def _resolve(reference: str) -> str:
        ref = reference.strip()
        if not ref or ref.startswith("#"):
            return reference
        scheme = urlsplit(ref).scheme.lower()
        if scheme in _KEEP_SCHEMES:
            return reference
        absolute = urljoin(base, ref)
        if _NEEDS_ESCAPING.search(absolute):
            absolute = safe_url_string(absolute)
        if urlsplit(absolute).scheme.lower() not in _ARCHIVED_SCHEMES:
            return "#"
        return to_archive(absolute)

    return resolve


def rewrite_srcset(value: str, resolve: Resolver) -> str:
    """A ``srcset`` with each candidate's URL passed through ``resolve`` and its descriptor kept."""
    return ", ".join(f"{resolve(url)} {descriptor}".rstrip() for url, descriptor in srcset_candidates(value))
