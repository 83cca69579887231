"""Merge trafilatura's output with the page's structured metadata.

Precedence, field by field (first usable value wins; ``sources`` records which):

============  ===========================================================================
text          trafilatura's body → (when it has fewer than 40 words) JSON-LD
              ``articleBody`` → Next.js ``__NEXT_DATA__`` (:mod:`.scripts`)
title         ``og:title`` → JSON-LD ``headline`` → microdata headline → trafilatura →
              ``twitter:title`` → ``<title>``; each cleaned of site-name prefixes and
              suffixes; a decorated winner ("Kicker | Headline", "Headline - Section")
              gives way to the bare headline when another source confirms it; a JSON-LD
              headline that is also the ``<h1>`` beats a differently worded ``og:title``;
              the quotes are spelt as most sources print them; a title equal to the
              site name is never returned
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

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from archiver.extraction.authors import _pick_authors, normalize_authors
from archiver.extraction.dates import _pick_dates, normalize_date
from archiver.extraction.language import _pick_language, detect_language, normalize_language
from archiver.extraction.scripts import MIN_WORDS, script_body
from archiver.extraction.sites import SiteNames, _pick_sitename, domain_labels
from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _URL_LIKE, _clean_text, _compact, _dedupe, count_words, fix_mojibake, resolve
from archiver.extraction.titles import _pick_title, clean_title, title_suffixes

# The field helpers live in their own modules; their public names are re-exported here so
# ``from archiver.extraction.merge import normalize_date`` (tests, bench) keeps working.
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


# --------------------------------------------------------------------------- body

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


def _is_article_body(text: str | None, data: StructuredData) -> bool:
    """Whether ``text`` is the JSON-LD ``articleBody`` (trafilatura's fallback, one paragraph)."""
    body = data.jsonld.article_body if data.jsonld else None
    return bool(text and body and "\n\n" not in text and _compact(text) == _compact(body))


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
        value = _clean_text(resolve(raw))
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


# --------------------------------------------------------------------------- merge


def merge(trafilatura: Mapping[str, Any], data: StructuredData, url: str | None) -> dict[str, Any]:
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
            (lambda: _absolute_url(trafilatura.get("url"), url), "trafilatura"),
        ]
    )
    base = url if url and _absolute_url(url, None) else canonical
    sitename, sitename_src = _pick_sitename(
        [
            (data.first("og:site_name"), "opengraph"),
            (jsonld.publisher if jsonld else None, "json-ld"),
            (data.jsonld_site_names[0] if data.jsonld_site_names else None, "json-ld"),
            (data.first("application-name"), "meta"),
            (lambda: trafilatura.get("sitename"), "trafilatura"),
        ]
    )
    site = SiteNames(
        [sitename, data.first("og:site_name"), *(data.jsonld_site_names or [])],
        [url, canonical],
    )

    title, title_src = _pick_title(trafilatura, data, site)
    authors, authors_src = _pick_authors(trafilatura, data, site)
    (published, published_src), (modified, modified_src) = _pick_dates(trafilatura, data)
    text, text_src = _body(trafilatura.get("paragraphs") or [], title), "trafilatura"
    words = count_words(text)
    fallback = script_body(data) if words < MIN_WORDS or _is_article_body(text, data) else None
    if fallback:  # nothing (or a stub) in the markup, or trafilatura's flattened articleBody
        fallback_text = _body(fallback[0], title)
        fallback_words = count_words(fallback_text)
        if fallback_words >= words:
            text, text_src, words = fallback_text, fallback[1], fallback_words
    description, description_src = _first(
        [
            (data.first("og:description"), "opengraph"),
            (jsonld.description if jsonld else None, "json-ld"),
            (data.first("description"), "meta"),
            (lambda: trafilatura.get("description"), "trafilatura"),
        ]
    )
    image, image_src = _first(
        [
            (_absolute_url(data.first("og:image", "og:image:url", "og:image:secure_url"), base),
             "opengraph"),
            (_absolute_url(jsonld.image if jsonld else None, base), "json-ld"),
            (lambda: _absolute_url(trafilatura.get("image"), base), "trafilatura"),
        ]
    )
    tags: list[str] = []
    tags_src = None
    for values, source in (
        (data.all("article:tag"), "opengraph"),
        (jsonld.keywords if jsonld else [], "json-ld"),
        (data.all("keywords", "news_keywords"), "meta"),
        (lambda: list(trafilatura.get("tags") or []), "trafilatura"),
    ):
        tags = _split_tags(resolve(values))
        if tags:
            tags_src = source
            break
    language, language_src = _pick_language(
        trafilatura, data, text, " ".join(filter(None, [title, description]))
    )

    put("text", text, text_src)
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
    put("word_count", words, None)
    out["sources"] = sources
    return out
