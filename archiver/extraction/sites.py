"""Site names: what a site calls itself, and the domain labels that stand for it.

:class:`SiteNames` tells whether a title segment or a byline is just the site's name;
:func:`_pick_sitename` chooses the ``sitename`` field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from archiver.extraction.text import _clean_text, _compact, resolve

__all__ = ["SiteNames", "domain_labels"]


_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "ne", "or", "go", "edu", "gv", "nic"}


def domain_labels(*urls: str | None) -> set[str]:
    """Compacted host labels that may stand for the site name (``www``/TLDs left out).

    ``https://www.themoscowtimes.com/x`` gives ``{"themoscowtimes", "themoscowtimescom"}``.
    """
    labels: set[str] = set()
    for url in urls:
        if not url:
            continue
        try:
            host = (urlsplit(url if "//" in url else "//" + url).hostname or "").lower()
        except ValueError:
            continue
        parts = [p for p in host.split(".") if p]
        if len(parts) < 2:
            continue
        cut = 2 if len(parts) >= 3 and parts[-2] in _SECOND_LEVEL and len(parts[-1]) == 2 else 1
        names = [p for p in parts[:-cut] if p not in {"www", "m", "amp", "mobile"}]
        labels.update(_compact(p) for p in names if len(p) >= 3)
        if names:
            labels.add(_compact("".join(names[-1:] + parts[-cut:])))
    labels.discard("")
    return labels


class SiteNames:
    """The names a site goes by: its declared names plus its domain labels."""

    def __init__(self, names: Iterable[str | None], urls: Iterable[str | None]) -> None:
        """Collect declared ``names`` and the domain labels of ``urls``."""
        self.names = [n for n in names if n]
        self.keys = {_compact(n) for n in self.names} - {""}
        self.domains = domain_labels(*urls)

    def matches(self, value: str | None) -> bool:
        """Whether ``value`` is (a spelling of) the site name."""
        if not value:
            return False
        key = _compact(value)
        if len(key) < 2:
            return False
        if key in self.keys or key in self.domains:
            return True
        if len(value.split()) > 6:
            return False
        for known in self.keys | self.domains:
            shorter, longer = sorted((key, known), key=len)
            if (
                len(shorter) >= 4
                and longer.startswith(shorter)
                and len(shorter) / len(longer) >= 0.6
            ):
                return True
            # "Die Neue Südtiroler Tageszeitung" on tageszeitung.it
            if known in self.domains and len(known) >= 5 and known in key:
                return True
        return False


def _pick_sitename(candidates: list[tuple[Any, str]]) -> tuple[str | None, str | None]:
    """First site name that is a name, not a URL; a better-cased spelling of it wins.

    ``og:site_name`` ``"nationalpost"`` gives way to the JSON-LD publisher
    ``"National Post"``; ``"https://www.example.at"`` is skipped.
    """
    cleaned = ((_clean_text(resolve(raw)), source) for raw, source in candidates)  # lazily: see resolve()
    names = ((n, s) for n, s in cleaned if n and not re.match(r"^https?://", n, re.I))
    name, source = next(names, (None, None))
    if name is not None and name == name.lower():
        for other, other_source in names:
            if other != other.lower() and _compact(other) == _compact(name):
                return other, other_source
    return name, source
