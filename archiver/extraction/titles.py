"""Title cleaning and choice: site-name prefixes/suffixes, kickers, truncated headlines."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from archiver.extraction.sites import SiteNames
from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _clean_text, _compact

__all__ = ["clean_title", "title_suffixes"]


# A separator between a headline and a site name: spaced dashes, bars, colons, bullets,
# guillemets, slashes, or the CJK full-width colon and bar, which need no spaces.
_TITLE_SEP = re.compile(
    r"\s+(?:[-–—|·•»«/~*]|::|:|\|\|)\s+|\s*[|｜：︱│]\s*"
)
#: A trailing "by Jane Doe" segment of a ``<title>``.
_BYLINE_SEGMENT = re.compile(r"^(?:by|von|por|par|av)\s+\S+(?:\s+\S+){0,4}$", re.I)


def _split_points(title: str) -> list[re.Match[str]]:
    """Separator matches that leave text on both sides."""
    return [m for m in _TITLE_SEP.finditer(title) if m.start() > 0 and m.end() < len(title)]


def title_suffixes(title_tag: str | None, references: Iterable[str | None]) -> set[str]:
    """Trailing ``<title>`` segments absent from the clean ``references`` (og:title …).

    ``"Foo - Bar | Site"`` with og:title ``"Foo - Bar"`` gives ``{"Site"}``.
    """
    refs = [_compact(r) for r in references if r]
    if not title_tag or not refs:
        return set()
    found: set[str] = set()
    for match in reversed(_split_points(title_tag)):
        head, tail = title_tag[: match.start()], title_tag[match.end() :]
        if any(_compact(head) == ref for ref in refs):
            found.add(_compact(tail))
            break
    return found


def clean_title(
    title: str | None, site: SiteNames, suffixes: Iterable[str] = ()
) -> str | None:
    """Remove site-name prefixes/suffixes from ``title``; ``None`` if only the site is left.

    A trailing (or leading) segment is removed when it matches a site name, a domain
    label or one of the known ``suffixes`` (compacted, see :func:`title_suffixes`).
    """
    title = _clean_text(title)
    if not title:
        return None
    extra = {s for s in suffixes if s}

    def is_site(segment: str) -> bool:
        return (
            site.matches(segment)
            or _compact(segment) in extra
            or bool(_BYLINE_SEGMENT.match(segment.strip()))
        )

    for _ in range(4):
        points = _split_points(title)
        if not points:
            break
        last, first = points[-1], points[0]
        if is_site(title[last.end() :]):
            title = title[: last.start()].strip()
            continue
        if is_site(title[: first.start()]):
            title = title[first.end() :].strip()
            continue
        break
    title = re.sub(r"\s+[-–—|]+$", "", title).strip()
    if not title or site.matches(title):
        return None
    return title


_SEP_AT_END = re.compile(rf"(?:{_TITLE_SEP.pattern})$")
_SEP_AT_START = re.compile(rf"^(?:{_TITLE_SEP.pattern})")
_COLON_AT_END = re.compile(r"(?<=\w)[:：]\s+$")


def _decorated_core(title: str, core: str, allow_colon: bool) -> bool:
    """Whether ``title`` is ``core`` plus a kicker/section/site segment set off by a separator.

    ``"Vierschanzentournee | Beleidigen …"`` is decorated ``"Beleidigen …"``. A kicker set off
    by a plain colon (``"Nach Gaetz-Rückzug: Trump-Anwältin …"``) counts only when
    ``allow_colon`` is true, since such kickers are usually part of the headline.
    """
    if len(core) < 8 or len(core) >= len(title):
        return False
    index = title.find(core)
    if index < 0:
        return False
    before, after = title[:index], title[index + len(core) :]
    before_ok = not before or bool(
        _SEP_AT_END.search(before) or (allow_colon and _COLON_AT_END.search(before))
    )
    after_ok = not after or bool(_SEP_AT_START.match(after))
    return before_ok and after_ok


def _pick_title(
    trafilatura: dict[str, Any], data: StructuredData, site: SiteNames
) -> tuple[str | None, str | None]:
    """Choose and clean the title; returns ``(title, source)``.

    1. The first usable candidate (``og:title`` first: it is the headline the publisher
       chose for sharing, JSON-LD headlines are more often SEO variants), cleaned of site
       names;
    2. if it is another candidate plus a kicker, section or site segment (``"Kicker |
       Headline"``, ``"Headline - Section"``), that shorter core wins: the core must be the
       JSON-LD headline, or a ``<h1>``/other candidate when the separator is not a colon;
    3. a truncated headline ("…") gives way to a longer candidate that it starts.
    """
    jsonld = data.jsonld
    candidates: list[tuple[str | None, str]] = [
        (data.first("og:title"), "opengraph"),
        (jsonld.headline if jsonld else None, "json-ld"),
        ((data.microdata.get("headline") or [None])[0], "html"),
        (trafilatura.get("title"), "trafilatura"),
        (data.first("twitter:title"), "meta"),
        (data.title_tag, "html"),
    ]
    suffixes = title_suffixes(data.title_tag, [c for c, _ in candidates[:3]])
    cleaned = [(clean_title(c, site, suffixes), src) for c, src in candidates]
    cleaned = [(c, src) for c, src in cleaned if c]
    if not cleaned:
        return None, None
    title, source = cleaned[0]
    cores = [(c, src, src == "json-ld") for c, src in cleaned[1:]]
    cores += [(h, "html", False) for h in (clean_title(h, site, suffixes) for h in data.h1) if h]
    for core, core_source, allow_colon in cores:
        if _decorated_core(title, core, allow_colon):
            return core, core_source
    # A truncated headline ("… Armenia…") loses to a longer candidate it starts.
    stem = re.sub(r"\s*(?:\.\.\.|…)$", "", title)
    if stem != title:
        for other, other_source in cleaned[1:]:
            if len(other) > len(stem) and _compact(other).startswith(_compact(stem)):
                return other, other_source
    return title, source
