"""Title cleaning and choice: site-name prefixes/suffixes, kickers, truncated headlines."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
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
#: A colon ending a word, which sets off a kicker or a site name ("Site: Headline").
_COLON_SPLIT = re.compile(r"(?<=\w)[:：]\s+")
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
        colon = _COLON_SPLIT.search(title)
        if colon and colon.end() < len(title) and site.matches(title[: colon.start()]):
            title = title[colon.end() :].strip()  # "Site Name: Headline"
            continue
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


_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"'})


def _typography_key(title: str) -> str:
    """``title`` with curly quotes made straight and spaces squeezed (NFKC, case kept)."""
    return " ".join(unicodedata.normalize("NFKC", title).translate(_QUOTES).split())


def _printed_spelling(title: str, variants: Iterable[str]) -> str:
    """The spelling of ``title`` that most sources print (curly or straight quotes).

    Sources often differ only in typography (``og:title`` with straight quotes, the ``<h1>``
    and JSON-LD with curly ones); the majority wins, a tie keeps ``title``.
    """
    key = _typography_key(title)
    votes = Counter(v for v in variants if v != title and _typography_key(v) == key)
    if not votes:
        return title
    best, count = votes.most_common(1)[0]
    own = max(1, sum(1 for v in variants if v == title))
    return best if count > own else title


def _tails(title: str) -> dict[str, str]:
    """Headline parts after a kicker: compact key -> text, for each separator (colons too)."""
    points = _split_points(title) + [m for m in _COLON_SPLIT.finditer(title) if m.end() < len(title)]
    return {_compact(title[m.end():]): title[m.end():].strip() for m in points}


def _shared_core(title: str, other: str) -> str | None:
    """The headline two sources share behind different kickers, or ``None``.

    ``"Angriff auf Israel: «Zurückhaltung …»"`` and ``"Eskalation - «Zurückhaltung …»"`` share
    ``"«Zurückhaltung …»"``. Neither may already be the other's tail (that case is a plain
    decoration), and the shared part must be a headline of some length, the longest one.
    """
    if _compact(title) == _compact(other):
        return None
    mine, theirs = _tails(title), _tails(other)
    if _compact(title) in theirs or _compact(other) in mine:
        return None
    shared = [text for key, text in mine.items() if key in theirs and len(key) >= 15]
    return max(shared, key=len) if shared else None


def _pick_title(
    trafilatura: Mapping[str, Any], data: StructuredData, site: SiteNames
) -> tuple[str | None, str | None]:
    """Choose and clean the title; returns ``(title, source)``.

    1. The first usable candidate (``og:title`` first: it is the headline the publisher
       chose for sharing, JSON-LD headlines are more often SEO variants), cleaned of site
       names;
    2. when the JSON-LD headline is also the page's visible ``<h1>``, two sources agree on
       the headline and it wins over a differently worded ``og:title`` (unless it is that
       ``og:title`` behind a kicker);
    3. if the title is another candidate plus a kicker, section or site segment (``"Kicker |
       Headline"``, ``"Headline - Section"``), that shorter core wins: the core must be the
       JSON-LD headline, or a ``<h1>``/other candidate when the separator is not a colon;
       when the title and the ``<h1>`` carry different kickers before the same headline, the
       shared headline wins;
    4. a truncated headline ("…") gives way to a longer candidate that it starts;
    5. the spelling (curly or straight quotes) is the one most sources print.
    """
    jsonld = data.jsonld
    candidates: list[tuple[str | None, str]] = [
        (data.first("og:title"), "opengraph"),
        (jsonld.headline if jsonld else None, "json-ld"),
        ((data.microdata.get("headline") or (None,))[0], "html"),
        (trafilatura.get("title"), "trafilatura"),
        (data.first("twitter:title"), "meta"),
        (data.title_tag, "html"),
    ]
    suffixes = title_suffixes(data.title_tag, [c for c, _ in candidates[:3]])
    tidied = [(clean_title(c, site, suffixes), src) for c, src in candidates]
    cleaned = [(c, src) for c, src in tidied if c]
    if not cleaned:
        return None, None
    h1s = [h for h in (clean_title(h, site, suffixes) for h in data.h1) if h]
    variants = [c for c, _ in cleaned] + h1s
    title, source = _choose(cleaned, h1s)
    return _printed_spelling(title, variants), source


def _choose(cleaned: list[tuple[str, str]], h1s: list[str]) -> tuple[str, str]:
    """Steps 1-4 of :func:`_pick_title` on the cleaned candidates and ``<h1>`` texts."""
    title, source = cleaned[0]
    headline = next((c for c, src in cleaned if src == "json-ld"), None)
    if (headline and _compact(headline) != _compact(title)
            and not _decorated_core(headline, title, True)  # "Kicker: og:title" keeps og:title
            and any(_compact(h) == _compact(headline) for h in h1s)):
        return headline, "json-ld"
    cores = [(c, src, src == "json-ld") for c, src in cleaned[1:]]
    cores += [(h, "html", False) for h in h1s]
    for core, core_source, allow_colon in cores:
        if _decorated_core(title, core, allow_colon):
            return core, core_source
    for h1 in h1s[:1]:
        shared = _shared_core(title, h1)
        if shared:
            return shared, source
    # A truncated headline ("… Armenia…") loses to a longer candidate it starts.
    stem = re.sub(r"\s*(?:\.\.\.|…)$", "", title)
    if stem != title:
        for other, other_source in cleaned[1:]:
            if len(other) > len(stem) and _compact(other).startswith(_compact(stem)):
                return other, other_source
    return title, source
