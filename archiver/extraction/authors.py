"""Authors: parsing bylines into names and choosing the source that names the authors.

Roles ("Staff Writer"), "By"/"Von"/"Por" prefixes, outlets, e-mail addresses, URLs and
words that are not names are dropped; names equal to the site name are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from archiver.extraction.sites import SiteNames
from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _URL_LIKE, _clean_text, _dedupe, resolve

__all__ = ["normalize_authors"]


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


def _trafilatura_authors(trafilatura: Mapping[str, Any]) -> list[str]:
    """trafilatura's byline (one ``"; "``-joined string), normalised."""
    byline = trafilatura.get("author")
    return normalize_authors(byline.split(";") if byline else None)


def _pick_authors(
    trafilatura: Mapping[str, Any], data: StructuredData, site: SiteNames
) -> tuple[list[str], str | None]:
    """Choose the authors; returns ``(names, source)``."""
    jsonld = data.jsonld
    jsonld_names = normalize_authors([name for name, _ in jsonld.authors]) if jsonld else []
    sources: list[tuple[list[str] | Callable[[], list[str]], str]] = [
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
        (lambda: _trafilatura_authors(trafilatura), "trafilatura"),
    ]
    for names, source in sources:
        kept = [n for n in resolve(names) if not site.matches(n)]
        if kept:
            return kept, source
    # The site itself is accepted as the author only when JSON-LD names it explicitly
    # and no source names anybody else.
    if jsonld_names:
        return jsonld_names, "json-ld"
    return [], None
