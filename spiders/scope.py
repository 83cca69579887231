"""Which links a site crawl follows: scope, canonical form, and guards against crawler traps.

- **Scope**: same host as the start URL by default (``www.`` ignored), then ``allow`` patterns
  (any must match, when given) and ``deny`` patterns (none may match), searched in the URL.
- **Canonical form** (w3lib ``canonicalize_url``): query arguments sorted, fragment dropped,
  percent-encoding normalised, so one page is one URL.
- **Traps**: a URL longer than ``max_url_length`` or with more than ``max_query_params`` query
  arguments is not followed (query-string loops grow them without end). URLs of one *shape*
  (the path and query keys with every run of digits replaced by ``#``: ``/calendar/2031/07``
  and ``/calendar/1999/12`` share one) stop being followed once ``pattern_cap`` pages of that
  shape turned out to be index pages (:meth:`LinkScope.note_index`), so an endless calendar or
  pagination stops there while ``/news/123456`` articles, which are not index pages, go on.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from w3lib.url import canonicalize_url

__all__ = ["LinkScope", "url_shape"]

_DIGITS = re.compile(r"\d+")


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def url_shape(url: str) -> str:
    """The URL's path and sorted query keys with digit runs as ``#`` (what the pattern cap counts)."""
    parts = urlsplit(url)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    shape = _DIGITS.sub("#", parts.path or "/")
    return shape + ("?" + "&".join(keys) if keys else "")


@dataclass
class LinkScope:
    """Decides, link by link, whether a site crawl follows it; remembers what it let through."""

    start_url: str
    allow: list[re.Pattern[str]] = field(default_factory=list)
    deny: list[re.Pattern[str]] = field(default_factory=list)
    same_host: bool = True
    max_query_params: int = 3
    max_url_length: int = 500
    pattern_cap: int = 50
    rejected: Counter[str] = field(default_factory=Counter)
    _index_shapes: Counter[str] = field(default_factory=Counter)
    _seen: set[str] = field(default_factory=set)

    def admit(self, url: str) -> str | None:
        """The canonical URL to follow, or None (the reason counted in :attr:`rejected`)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return self._reject("scheme")
        canonical = canonicalize_url(url)
        if canonical in self._seen:
            return None
        if self.same_host and _host(canonical) != _host(self.start_url):
            return self._reject("offsite")
        if self.allow and not any(p.search(canonical) for p in self.allow):
            return self._reject("not_allowed")
        if any(p.search(canonical) for p in self.deny):
            return self._reject("denied")
        if len(canonical) > self.max_url_length:
            return self._reject("url_too_long")
        if len(parse_qsl(urlsplit(canonical).query, keep_blank_values=True)) > self.max_query_params:
            return self._reject("too_many_query_params")
        if self._index_shapes[url_shape(canonical)] >= self.pattern_cap:
            return self._reject("pattern_cap")
        self._seen.add(canonical)
        return canonical

    def note_index(self, url: str) -> None:
        """Count an index page of ``url``'s shape (see the module docstring)."""
        self._index_shapes[url_shape(url)] += 1

    def _reject(self, reason: str) -> None:
        self.rejected[reason] += 1
        return None
