"""Merge trafilatura's output with the page's structured metadata.

Precedence, field by field (first usable value wins; ``sources`` records which):

============  ===========================================================================
title         ``og:title`` → JSON-LD ``headline`` → microdata headline → trafilatura →
              ``twitter:title`` → ``<title>``; each cleaned of site-name prefixes and
              suffixes; a decorated winner ("Kicker | Headline", "Headline - Section")
              gives way to the bare headline when another source confirms it; a title
              equal to the site name is never returned
authors       JSON-LD ``author`` → microdata author → ``article:author`` →
              ``<meta name=author>`` (and similar) → trafilatura; names equal to the
              site/publisher name are dropped, unless the JSON-LD author names the site
              and no source names anybody else
published     JSON-LD ``datePublished`` → ``article:published_time`` → other ``<meta>`` →
              microdata → trafilatura (htmldate)
modified      JSON-LD ``dateModified`` → ``article:modified_time`` → other ``<meta>``
sitename      ``og:site_name`` → JSON-LD publisher / WebSite → ``application-name`` →
              trafilatura
language      ``<html lang>`` → ``content-language`` → JSON-LD ``inLanguage`` →
              ``og:locale``, checked against py3langid when installed → detection →
              trafilatura
description   ``og:description`` → JSON-LD → ``<meta name=description>`` → trafilatura
canonical     ``<link rel=canonical>`` → ``og:url`` → JSON-LD url → trafilatura → request URL
image         ``og:image`` → JSON-LD image → trafilatura
tags          ``article:tag`` → JSON-LD keywords → ``<meta name=keywords>`` → trafilatura
============  ===========================================================================
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit

from archiver.extraction.structured import StructuredData

__all__ = [
    "SiteNames",
    "clean_title",
    "count_words",
    "detect_language",
    "domain_labels",
    "fix_mojibake",
    "merge",
    "normalize_authors",
    "normalize_date",
    "normalize_language",
    "title_suffixes",
]

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")

# --------------------------------------------------------------------------- helpers


_MOJIBAKE = re.compile("[ÃÂÅÐÑ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc]")


def fix_mojibake(value: str) -> str:
    """Repair UTF-8 text that was decoded as windows-1252/latin-1 (``"sanciÃ³n"``)."""
    if not _MOJIBAKE.search(value):
        return value
    for codec in ("cp1252", "latin-1"):
        try:
            return value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return value


def _clean_text(value: Any) -> str | None:
    """Unescape HTML entities, repair mojibake, collapse whitespace; ``None`` if empty."""
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", fix_mojibake(html_lib.unescape(value))).strip()
    return value or None


def _compact(value: str) -> str:
    """Comparison key: NFKC, case-folded, letters and digits only, no leading "the"."""
    value = unicodedata.normalize("NFKC", value).casefold().strip()
    value = re.sub(r"^the\s+", "", value)
    return "".join(ch for ch in value if ch.isalnum())


def _dedupe(values: Iterable[str]) -> list[str]:
    """Drop case-insensitive duplicates, keeping the first spelling and the order."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = unicodedata.normalize("NFKC", value).casefold()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


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


# --------------------------------------------------------------------------- title

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


# --------------------------------------------------------------------------- authors

_URL_LIKE = re.compile(r"^(?:https?:|www\.)|^[\w.-]+\.[a-z]{2,}/", re.I)
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_BY_PREFIX = re.compile(
    r"^(?:(?:(?:written|reported|story|words|text|photos?|updated|edited|reviewed|compiled|"
    r"posted|published|analysis|commentary)\s+by|by|von|vom|por|par|av|door|от|"
    r"autor(?:in|es|a|en)?|authors?|text|texte|forfatter|skrevet av|tekst)\b\s*[:\-–]?\s*"
    r"|(?-i:di|da|de)\s+(?=\S+\s+\S))",
    re.I,
)
_ROLE_WORDS = (
    r"reporter|writer|correspondent|editor|journalist|columnist|contributor|photographer|"
    r"producer|analyst|intern|redakteur(?:in)?|korrespondent(?:in)?|journalist(?:in)?|"
    r"reporter(?:in)?|redaktør|redaktor|corresponsal|redactor|redactora|periodista|"
    r"giornalista|inviat[oa]|journaliste|envoyée? spéciale?"
)
_ROLE_MODIFIERS = (
    r"senior|chief|staff|special|contributing|political|foreign|business|economics|sports|"
    r"deputy|managing|associate|assistant|digital|news|freelance|guest|investigative|"
    r"national|international|white house|washington|europe|health|science|technology|tech|"
    r"environment|climate|legal|court|city|metro|world|culture|entertainment|data|video|"
    r"executive|general|features?|opinion|local|regional|state|capitol|correspondent|a|an|the"
)
_ROLE = re.compile(
    rf"^(?:(?:{_ROLE_MODIFIERS})\s+)*(?:{_ROLE_WORDS})s?$|^(?:staff|editorial|admin|redaktion)$",
    re.I,
)
_TRAILING_ROLE = re.compile(
    rf"(?:\s*[,\-–—]\s*|\s+)(?:(?:{_ROLE_MODIFIERS})\s+)*(?:{_ROLE_WORDS})s?$", re.I
)
_STRONG_SEP = re.compile(
    r"\s*(?:[,;،、，；&+]|\s(?:and|und|og|och|et|ja)\s|\bu\.\s)\s*", re.I
)
_WEAK_SEP = re.compile(r"\s+(?:y|e|i|a|en)\s+")


def _name_parts(raw: str) -> list[str]:
    """Split one byline into candidate names (roles, prefixes and outlets removed)."""
    raw = _clean_text(raw) or ""
    raw = _EMAIL.sub(" ", raw)
    raw = raw.split("|")[0]  # "Jane Doe | Outlet"
    raw = re.sub(r"\s*\((?:[^()]*)\)\s*$", "", raw)  # trailing "(AFP)", "(Text)"
    raw = _BY_PREFIX.sub("", raw.strip())
    names: list[str] = []
    for chunk in _STRONG_SEP.split(raw):
        chunk = _BY_PREFIX.sub("", chunk.strip())
        weak = _WEAK_SEP.split(chunk)
        parts = weak if len(weak) > 1 and all(len(p.split()) >= 2 for p in weak) else [chunk]
        for part in parts:
            if _ROLE.match(part.strip()):
                continue
            part = _TRAILING_ROLE.sub("", part).strip(" \t-–—:;,·•*\"'“”‘’«»()[]")
            if part.endswith(".") and len(part.split()[-1]) > 3:
                part = part[:-1]  # sentence full stop, not an initial ("Miguel A.")
            names.append(part)
    return names


#: Words that bylines and ``<meta name=author>`` hold instead of a name.
_NOT_NAMES = {
    "admin", "administrator", "anonymous", "unknown", "guest", "user", "webmaster", "editor",
    "editors", "news", "nachrichten", "noticias", "notizie", "nyheter", "nieuws", "actualités",
    "redaktion", "redacción", "redazione", "rédaction", "redaksjonen", "redaktionen", "red",
    "staff", "agenturen", "agencies", "agencias", "agenzie", "wire", "wires", "wire services",
}
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)+$")


def _plausible_name(name: str) -> bool:
    """Reject empty strings, roles, URLs, dates and sentences that bylines pick up."""
    if not name or len(name) > 80 or len(name.split()) > 7:
        return False
    if name.casefold() in _NOT_NAMES:
        return False
    if _ROLE.match(name) or _URL_LIKE.search(name):
        return False
    if sum(ch.isdigit() for ch in name) >= 2:
        return False
    return any(ch.isalpha() for ch in name)


def normalize_authors(raw: str | Iterable[str] | None) -> list[str]:
    """Normalise bylines into a de-duplicated list of names.

    Handles ``"By X and Y"``, ``"X, Y"``, ``"X & Y"``, ``"Von X und Y"``,
    ``"Por X y Y"``, roles such as ``"X, Staff Writer"`` or ``"Updated by X"``,
    ``"X | Outlet"``, and drops URLs (``article:author`` often holds a profile link).
    """
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    names: list[str] = []
    for item in items:
        if not isinstance(item, str) or _URL_LIKE.search(item.strip()):
            continue
        for name in _name_parts(item):
            if _SLUG.match(name) and not re.search(r"\d", name):
                name = " ".join(word.capitalize() for word in re.split(r"[-_]", name))
            if _plausible_name(name):
                names.append(name)
    return _dedupe(names)


def _pick_authors(
    trafilatura: dict[str, Any], data: StructuredData, site: SiteNames
) -> tuple[list[str], str | None]:
    """Choose the authors; returns ``(names, source)``."""
    jsonld = data.jsonld
    jsonld_names = normalize_authors([name for name, _ in jsonld.authors]) if jsonld else []
    traf_author = trafilatura.get("author")
    sources: list[tuple[list[str], str]] = [
        (jsonld_names, "json-ld"),
        (normalize_authors(data.microdata.get("author")), "html"),
        (normalize_authors(data.all("article:author")), "opengraph"),
        (
            normalize_authors(
                data.all(
                    "author", "parsely-author", "sailthru.author", "cxenseparse:author",
                    "dc.creator", "dcterms.creator", "byl",
                )
            ),
            "meta",
        ),
        (normalize_authors(traf_author.split(";") if traf_author else None), "trafilatura"),
    ]
    for names, source in sources:
        kept = [n for n in names if not site.matches(n)]
        if kept:
            return kept, source
    # The site itself is accepted as the author only when JSON-LD names it explicitly
    # and no source names anybody else.
    if jsonld_names:
        return jsonld_names, "json-ld"
    return [], None


# --------------------------------------------------------------------------- dates

_ISO_LIKE = re.compile(
    r"^(\d{4})-?(\d{2})-?(\d{2})(?:[T\s]+(\d{1,2}):?(\d{2})(?::?(\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?|(?:UTC|GMT)(?:[+-]\d{1,2}(?::?\d{2})?)?)?$",
    re.I,
)
_MIN_YEAR = 1990


def _offset(raw: str | None) -> timezone | None:
    """Parse a UTC offset such as ``Z``, ``+03:00``, ``+0300``, ``GMT+2``."""
    if not raw:
        return None
    raw = raw.upper().replace("UTC", "").replace("GMT", "")
    if raw in ("", "Z"):
        return UTC
    match = re.match(r"^([+-])(\d{1,2}):?(\d{2})?$", raw)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
    if minutes > 18 * 60:
        return None
    return timezone(sign * timedelta(minutes=minutes))


def normalize_date(value: Any, *, now: datetime | None = None) -> str | None:
    """Normalise a date string to ISO 8601, keeping the page's UTC offset.

    ``"2023-04-16T12:05:00+03:00"`` stays as it is, ``"2023-04-16T09:05:00Z"`` becomes
    ``"2023-04-16T09:05:00+00:00"``, a date without time gives ``"2023-04-16"``, RFC 2822
    dates are understood. Implausible dates (before 1990, more than two days in the
    future) and unparseable strings give ``None``.
    """
    text = _clean_text(value)
    if not text:
        return None
    parsed: datetime | date | None = None
    match = _ISO_LIKE.match(text)
    try:
        if match:
            year, month, day, hour, minute, second, tz = match.groups()
            if hour is None:
                parsed = date(int(year), int(month), int(day))
            else:
                parsed = datetime(
                    int(year), int(month), int(day), int(hour), int(minute), int(second or 0),
                    tzinfo=_offset(tz),
                )
        else:
            parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    now = now or datetime.now(UTC)
    day = parsed.date() if isinstance(parsed, datetime) else parsed
    if day.year < _MIN_YEAR or day > (now + timedelta(days=2)).date():
        return None
    if isinstance(parsed, datetime):
        return parsed.isoformat(timespec="seconds")
    return parsed.isoformat()


def _pick_date(candidates: list[tuple[Any, str]]) -> tuple[str | None, str | None]:
    """First candidate that normalises to a plausible date; ``(date, source)``.

    When the winner is a bare day and a later candidate gives a time on that same day,
    the more precise value is returned.
    """
    values = [(normalize_date(raw), source) for raw, source in candidates]
    values = [(value, source) for value, source in values if value]
    if not values:
        return None, None
    best, source = values[0]
    if len(best) == 10:
        for value, other_source in values[1:]:
            if len(value) > 10 and value[:10] == best:
                return value, other_source
    return best, source


def _pick_dates(
    trafilatura: dict[str, Any], data: StructuredData
) -> tuple[tuple[str | None, str | None], tuple[str | None, str | None]]:
    """Choose the publication and modification dates."""
    jsonld = data.jsonld
    published = _pick_date(
        [
            (jsonld.date_published if jsonld else None, "json-ld"),
            (data.first("article:published_time"), "opengraph"),
            (
                data.first(
                    "datepublished", "og:published_time", "published_time", "pubdate",
                    "publishdate", "publish-date", "parsely-pub-date", "sailthru.date",
                    "dc.date.issued", "dcterms.issued", "dc.date", "date",
                ),
                "meta",
            ),
            ((data.microdata.get("datePublished") or [None])[0], "html"),
            (trafilatura.get("date"), "trafilatura"),
        ]
    )
    modified = _pick_date(
        [
            (jsonld.date_modified if jsonld else None, "json-ld"),
            (data.first("article:modified_time"), "opengraph"),
            (data.first("og:updated_time", "datemodified", "last-modified"), "meta"),
            ((data.microdata.get("dateModified") or [None])[0], "html"),
        ]
    )
    if published[0] and modified[0] and modified[0][:10] < published[0][:10]:
        modified = (None, None)
    return published, modified


# --------------------------------------------------------------------------- language

#: Languages a detector confuses with each other; a disagreement inside a group is ignored.
_CLOSE_LANGUAGES = [
    {"no", "nb", "nn", "da", "sv"},
    {"hr", "bs", "sr", "sh"},
    {"ms", "id"},
    {"zh", "yue", "wuu", "ja"},  # kanji-heavy Japanese can read as Chinese
    {"cs", "sk"},
    {"ca", "es", "gl"},
]
_DETECTION_MIN_CHARS = 200
_OVERRIDE_CONFIDENCE = 0.95


def normalize_language(value: Any) -> str | None:
    """Primary language subtag in lower case: ``"en-US"`` → ``"en"``, junk → ``None``."""
    text = _clean_text(value)
    if not text:
        return None
    primary = re.split(r"[-_\s,;]", text.lower(), maxsplit=1)[0]
    if not re.fullmatch(r"[a-z]{2,3}", primary) or primary in {"und", "mul", "zxx", "xx"}:
        return None
    return primary


@lru_cache(maxsize=1)
def _language_identifier() -> Any:
    """Load py3langid's model once, or return ``None`` when it is not installed."""
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError:
        return None
    loader = getattr(LanguageIdentifier, "from_model_file", None) or getattr(
        LanguageIdentifier, "from_pickled_model", None
    )
    if loader is None:
        return None
    try:
        return loader(MODEL_FILE, norm_probs=True)
    except Exception:  # a broken model file must not break extraction
        logger.warning("could not load the py3langid model", exc_info=True)
        return None


def detect_language(text: str | None) -> tuple[str | None, float]:
    """Detect the language of ``text`` with py3langid: ``(code, confidence)``.

    Returns ``(None, 0.0)`` when py3langid is not installed or the text is empty.
    """
    if not text or not text.strip():
        return None, 0.0
    identifier = _language_identifier()
    if identifier is None:
        return None, 0.0
    try:
        code, confidence = identifier.classify(text[:5000])
    except Exception:  # detector bugs must not break extraction
        logger.debug("language detection failed", exc_info=True)
        return None, 0.0
    return normalize_language(code), float(confidence)


def _close(a: str, b: str) -> bool:
    """Whether two language codes are the same or easily confused."""
    return a == b or any(a in group and b in group for group in _CLOSE_LANGUAGES)


def _pick_language(
    trafilatura: dict[str, Any], data: StructuredData, text: str | None, fallback_text: str
) -> tuple[str | None, str | None]:
    """Choose the language, checking declarations against detection."""
    declared = None
    for raw, source in (  # noqa: B007 - source is read after the break
        (data.html_lang, "html"),
        (data.content_language, "meta"),
        (data.jsonld.in_language if data.jsonld else None, "json-ld"),
        (data.first("og:locale"), "opengraph"),
    ):
        declared = normalize_language(raw)
        if declared:
            break
    sample = text if text and len(text) >= _DETECTION_MIN_CHARS else None
    detected, confidence = detect_language(sample or fallback_text)
    if declared:
        if (
            sample
            and detected
            and confidence >= _OVERRIDE_CONFIDENCE
            and not _close(declared, detected)
        ):
            logger.debug("page declares %s but reads as %s", declared, detected)
            return detected, "detected"
        return declared, source
    if detected and (sample or confidence >= 0.9):
        return detected, "detected"
    traf = normalize_language(trafilatura.get("language"))
    return (traf, "trafilatura") if traf else (None, None)


# --------------------------------------------------------------------------- body

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def count_words(text: str | None) -> int:
    """Count words; each CJK character counts as one word (those scripts use no spaces)."""
    if not text:
        return 0
    return sum(1 for token in _WORD.findall(text) if any(ch.isalnum() for ch in token))


#: Short "read also" teasers that link to other articles, in the languages we archive.
_TEASER = re.compile(
    r"^(?:read more|read also|also read|see also|related(?: articles?| stories| coverage)?|"
    r"more on this|les også|les mer|lees ook|lesen sie auch|lies auch|mehr zum thema|"
    r"leer también|lea también|leer más|leggi anche|läs också|läs mer|czytaj więcej|"
    r"czytaj też|czytaj także|читайте также|関連記事|関連キーワード|おすすめ情報)"
    r"\s*(?:[:：»›>|–-]|$)",
    re.I,
)
_TEASER_MAX_WORDS = 25


def _is_teaser(paragraph: str) -> bool:
    """Whether a paragraph is a short link teaser such as ``"Read more: …"``."""
    return bool(_TEASER.match(paragraph)) and count_words(paragraph) <= _TEASER_MAX_WORDS


def _body(paragraphs: list[str], title: str | None) -> str | None:
    """Join paragraphs with blank lines; drop a leading repeat of the title and teasers."""
    paragraphs = [p.strip() for p in paragraphs if p and p.strip()]
    if paragraphs and title and _compact(paragraphs[0]) == _compact(title):
        paragraphs = paragraphs[1:]
    paragraphs = [p for p in paragraphs if not _is_teaser(p)]
    return "\n\n".join(paragraphs) or None


# --------------------------------------------------------------------------- misc


def _absolute_url(value: Any, base: str | None) -> str | None:
    """Resolve ``value`` against ``base``; ``None`` unless the result is http(s)."""
    text = _clean_text(value)
    if not text:
        return None
    try:
        resolved = urljoin(base, text) if base else text
    except ValueError:
        return None
    return resolved if re.match(r"^https?://[^/\s]+", resolved, re.I) else None


def _first(candidates: list[tuple[Any, str]]) -> tuple[str | None, str | None]:
    """First candidate with text; ``(value, source)``."""
    for raw, source in candidates:
        value = _clean_text(raw)
        if value:
            return value, source
    return None, None


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def _split_tags(values: Iterable[str]) -> list[str]:
    """Split comma/semicolon separated keyword strings into clean tags (no ids, no URLs)."""
    tags = []
    for value in values:
        for part in re.split(r"[,;]", value):
            tag = _clean_text(part)
            if tag and len(tag) <= 100 and not _UUID.match(tag) and not _URL_LIKE.search(tag):
                tags.append(tag)
    return _dedupe(tags)


def _pick_sitename(candidates: list[tuple[Any, str]]) -> tuple[str | None, str | None]:
    """First site name that is a name, not a URL; a better-cased spelling of it wins.

    ``og:site_name`` ``"nationalpost"`` gives way to the JSON-LD publisher
    ``"National Post"``; ``"https://www.example.at"`` is skipped.
    """
    names = [(_clean_text(raw), source) for raw, source in candidates]
    names = [(n, s) for n, s in names if n and not re.match(r"^https?://", n, re.I)]
    if not names:
        return None, None
    name, source = names[0]
    if name == name.lower():
        for other, other_source in names[1:]:
            if other != other.lower() and _compact(other) == _compact(name):
                return other, other_source
    return name, source


# --------------------------------------------------------------------------- merge


def merge(trafilatura: dict[str, Any], data: StructuredData, url: str | None) -> dict[str, Any]:
    """Combine trafilatura's output and the structured data into the result fields.

    Returns a dict with the keys of :class:`archiver.extraction.ExtractionResult`
    except ``fingerprint`` and ``extractor``; ``sources`` maps each filled field to
    ``"json-ld"``, ``"opengraph"``, ``"meta"``, ``"html"``, ``"trafilatura"`` or
    ``"detected"``.
    """
    jsonld = data.jsonld
    sources: dict[str, str] = {}
    out: dict[str, Any] = {}

    def put(field_name: str, value: Any, source: str | None) -> None:
        out[field_name] = value
        if value and source:
            sources[field_name] = source

    canonical, canonical_src = _first(
        [
            (_absolute_url(data.canonical_url, url), "html"),
            (_absolute_url(data.first("og:url"), url), "opengraph"),
            (_absolute_url(jsonld.url if jsonld else None, url), "json-ld"),
            (_absolute_url(trafilatura.get("url"), url), "trafilatura"),
        ]
    )
    base = url if url and _absolute_url(url, None) else canonical
    sitename, sitename_src = _pick_sitename(
        [
            (data.first("og:site_name"), "opengraph"),
            (jsonld.publisher if jsonld else None, "json-ld"),
            (data.jsonld_site_names[0] if data.jsonld_site_names else None, "json-ld"),
            (data.first("application-name"), "meta"),
            (trafilatura.get("sitename"), "trafilatura"),
        ]
    )
    site = SiteNames(
        [sitename, data.first("og:site_name"), *(data.jsonld_site_names or [])],
        [url, canonical],
    )

    title, title_src = _pick_title(trafilatura, data, site)
    authors, authors_src = _pick_authors(trafilatura, data, site)
    (published, published_src), (modified, modified_src) = _pick_dates(trafilatura, data)
    text = _body(trafilatura.get("paragraphs") or [], title)
    description, description_src = _first(
        [
            (data.first("og:description"), "opengraph"),
            (jsonld.description if jsonld else None, "json-ld"),
            (data.first("description"), "meta"),
            (trafilatura.get("description"), "trafilatura"),
        ]
    )
    image, image_src = _first(
        [
            (_absolute_url(data.first("og:image", "og:image:url", "og:image:secure_url"), base),
             "opengraph"),
            (_absolute_url(jsonld.image if jsonld else None, base), "json-ld"),
            (_absolute_url(trafilatura.get("image"), base), "trafilatura"),
        ]
    )
    tags: list[str] = []
    tags_src = None
    for values, source in (
        (data.all("article:tag"), "opengraph"),
        (jsonld.keywords if jsonld else [], "json-ld"),
        (data.all("keywords", "news_keywords"), "meta"),
        (list(trafilatura.get("tags") or []), "trafilatura"),
    ):
        tags = _split_tags(values)
        if tags:
            tags_src = source
            break
    language, language_src = _pick_language(
        trafilatura, data, text, " ".join(filter(None, [title, description]))
    )

    put("text", text, "trafilatura")
    put("title", title, title_src)
    put("authors", tuple(authors), authors_src)
    put("published", published, published_src)
    put("modified", modified, modified_src)
    put("sitename", sitename, sitename_src)
    put("language", language, language_src)
    put("description", description, description_src)
    put("canonical_url", canonical or _absolute_url(url, None), canonical_src)
    put("image", image, image_src)
    put("tags", tuple(tags), tags_src)
    put("word_count", count_words(text), None)
    out["sources"] = sources
    return out
