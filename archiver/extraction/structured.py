"""Read the structured metadata that publishers put in a page's markup.

Parses, with lxml only:

* JSON-LD (schema.org ``NewsArticle``, ``Article``, ``ReportageNewsArticle``,
  ``BlogPosting``, … at the top level, in ``@graph``, in lists or nested), tolerant to
  the broken JSON that CMSs emit (comments, CDATA, trailing commas, several objects
  in one ``<script>``); ``@id`` references to people and organisations are resolved;
* OpenGraph (``og:*``) and ``article:*`` properties;
* ``<meta name=author|description|keywords>`` and a few other common ``<meta>`` names,
  schema.org microdata ``itemprop`` dates and headline;
* ``<link rel=canonical>``, ``<html lang>``, ``<meta http-equiv=content-language>``,
  ``<title>``;
* the raw text of a Next.js ``__NEXT_DATA__`` script, decoded only when the article text
  has to be looked for there (:mod:`archiver.extraction.scripts`).

Values are returned raw (only whitespace-trimmed); cleaning them is the job of
:mod:`archiver.extraction.merge`. Nothing here raises on bad input.
"""

from __future__ import annotations

import json
import logging
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from lxml import html as lxml_html

__all__ = ["JsonLdArticle", "StructuredData", "parse_structured", "parse_jsonld_blocks"]

logger = logging.getLogger(__name__)

#: schema.org types that describe an article, best first.
ARTICLE_TYPES: dict[str, int] = {
    name.lower(): rank
    for rank, names in enumerate(
        [
            (
                "NewsArticle",
                "ReportageNewsArticle",
                "AnalysisNewsArticle",
                "OpinionNewsArticle",
                "BackgroundNewsArticle",
                "ReviewNewsArticle",
                "AskPublicNewsArticle",
                "LiveBlogPosting",
            ),
            ("Article", "BlogPosting", "Report", "SatiricalArticle", "TechArticle", "Review"),
            ("SocialMediaPosting", "DiscussionForumPosting", "ScholarlyArticle", "Blog"),
            ("WebPage", "ItemPage", "AboutPage", "CollectionPage"),
        ]
    )
    for name in names
}
_WEBPAGE_RANK = 3
_SITE_TYPES = {"website", "organization", "newsmediaorganization", "corporation"}

_MAX_DEPTH = 40  # nesting limit when walking JSON-LD
_MAX_NODES = 5000  # node limit when walking JSON-LD
_MAX_SCRIPT = 2_000_000  # characters of one JSON-LD script that we are willing to parse
_MAX_REPAIR_ATTEMPTS = 20  # failed decode attempts per script before giving up

_MICRODATA_PROPS = ("headline", "datePublished", "dateModified", "author")

_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[|/\*\s*<!\[CDATA\[\s*\*/)|"
                       r"(?:-->|//\s*\]\]>|/\*\s*\]\]>\s*\*/)\s*$")
_SPACES = re.compile(r"\s+")


@dataclass
class JsonLdArticle:
    """The fields of the JSON-LD node that best describes the page's article."""

    type: str | None = None
    headline: str | None = None
    name: str | None = None
    authors: list[tuple[str, str]] = field(default_factory=list)
    """``(name, schema type)`` pairs, for example ``("AFP", "Organization")``."""
    publisher: str | None = None
    date_published: str | None = None
    date_modified: str | None = None
    description: str | None = None
    image: str | None = None
    url: str | None = None
    keywords: list[str] = field(default_factory=list)
    in_language: str | None = None
    article_body: str | None = None
    """``articleBody`` (or ``text``) as written, line breaks kept."""


@dataclass
class StructuredData:
    """Everything :func:`parse_structured` read from one page."""

    jsonld: JsonLdArticle | None = None
    jsonld_site_names: list[str] = field(default_factory=list)
    """Names of ``WebSite``/``Organization`` nodes and of the article's publisher."""
    title_tag: str | None = None
    html_lang: str | None = None
    content_language: str | None = None
    canonical_url: str | None = None
    meta: dict[str, list[str]] = field(default_factory=dict)
    """``<meta>`` contents keyed by lower-cased ``property``/``name``/``itemprop``/
    ``http-equiv``, in page order."""
    microdata: dict[str, list[str]] = field(default_factory=dict)
    """Values of non-``<meta>`` elements with ``itemprop`` ``headline``/``datePublished``/
    ``dateModified``/``author``."""
    h1: list[str] = field(default_factory=list)
    """Text of the page's ``<h1>`` elements (at most a few)."""
    next_data: str | None = None
    """The JSON text of a Next.js ``<script id="__NEXT_DATA__">``, not decoded."""

    def first(self, *keys: str) -> str | None:
        """Return the first non-empty ``<meta>`` value among ``keys``."""
        for key in keys:
            for value in self.meta.get(key, ()):
                if value:
                    return value
        return None

    def all(self, *keys: str) -> list[str]:
        """Return every non-empty ``<meta>`` value for ``keys``, in key order."""
        return [value for key in keys for value in self.meta.get(key, ()) if value]


def _clean(value: Any) -> str | None:
    """Collapse whitespace of a string value; ``None`` for non-strings or empty ones."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", value).strip()
    return value or None


# --------------------------------------------------------------------------- JSON-LD


def _loads_tolerant(raw: str) -> list[Any]:
    """Decode one JSON-LD script, repairing the usual CMS mistakes; ``[]`` on failure."""
    text = raw.strip()
    if not text or len(text) > _MAX_SCRIPT:
        return []
    text = _WRAPPERS.sub("", text).strip()
    for candidate in (text, _TRAILING_COMMA.sub(r"\1", text)):
        try:
            return [json.loads(candidate, strict=False)]
        except (ValueError, RecursionError):
            pass
    # Several objects in a row, or junk after the first one ("};", "</script>" …).
    decoder = json.JSONDecoder(strict=False)
    text = _TRAILING_COMMA.sub(r"\1", text)
    values: list[Any] = []
    pos = 0
    failures = 0
    while pos < len(text) and failures < _MAX_REPAIR_ATTEMPTS:
        start = min((i for i in (text.find("{", pos), text.find("[", pos)) if i >= 0), default=-1)
        if start < 0:
            break
        try:
            value, pos = decoder.raw_decode(text, start)
        except RecursionError:
            break  # absurd nesting: not worth any more work
        except ValueError:
            failures += 1
            pos = start + 1
            continue
        values.append(value)
    if not values:
        logger.debug("ignoring undecodable JSON-LD block (%d chars)", len(text))
    return values


def parse_jsonld_blocks(scripts: list[str]) -> list[Any]:
    """Decode a list of JSON-LD script texts, skipping the ones that cannot be repaired."""
    values: list[Any] = []
    for raw in scripts:
        values.extend(_loads_tolerant(raw))
    return values


def _types(node: dict[str, Any]) -> list[str]:
    """Lower-cased local names of ``@type``: ``schema:NewsArticle`` → ``newsarticle``."""
    raw = node.get("@type")
    items = raw if isinstance(raw, list) else [raw]
    names = []
    for item in items:
        if isinstance(item, str) and item:
            names.append(re.split(r"[/#:]", item.strip())[-1].lower())
    return names


def _walk(values: list[Any]) -> Iterator[tuple[dict[str, Any], int]]:
    """Yield every JSON object in ``values`` with its depth, breadth-first and bounded."""
    queue: deque[tuple[Any, int]] = deque((value, 0) for value in values)
    seen = 0
    while queue and seen < _MAX_NODES:
        value, depth = queue.popleft()
        seen += 1
        if depth > _MAX_DEPTH:
            continue
        if isinstance(value, list):
            queue.extend((item, depth) for item in value)
        elif isinstance(value, dict):
            yield value, depth
            for key, child in value.items():
                if isinstance(child, (dict, list)):
                    # @graph members are top-level nodes, not nested ones
                    queue.append((child, depth if key == "@graph" else depth + 1))


def _raw_text(value: Any) -> str | None:
    """A string value (or a list of strings, one per line) as written; ``None`` otherwise."""
    if isinstance(value, list):
        value = "\n".join(item for item in value if isinstance(item, str))
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def _person_name(node: Any, index: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """``(name, type)`` of an author-like value (string, object or ``@id`` reference)."""
    if isinstance(node, str):
        name = _clean(node)
        return (name, "Text") if name else None
    if not isinstance(node, dict):
        return None
    if "name" not in node and "@id" in node and isinstance(node["@id"], str):
        node = index.get(node["@id"], node)
    name = node.get("name")
    if isinstance(name, list):
        name = next((n for n in name if isinstance(n, str) and n.strip()), None)
    if isinstance(name, dict):
        name = name.get("@value")
    name = _clean(name)
    if not name:
        parts = [_clean(node.get(key)) for key in ("givenName", "familyName")]
        name = " ".join(p for p in parts if p) or None
    if not name:
        return None
    types = _types(node)
    return name, (types[0].capitalize() if types else "Thing")


def _authors(value: Any, index: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """All author ``(name, type)`` pairs of a JSON-LD ``author``/``creator`` value."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items[:50]:
        pair = _person_name(item, index)
        if pair:
            found.append(pair)
    return found


def _url_of(value: Any) -> str | None:
    """URL from a JSON-LD ``image``/``url``/``mainEntityOfPage`` value."""
    if isinstance(value, list):
        for item in value:
            url = _url_of(item)
            if url:
                return url
        return None
    if isinstance(value, dict):
        return _clean(value.get("url")) or _clean(value.get("contentUrl")) or _clean(
            value.get("@id")
        )
    return _clean(value)


def _keywords(value: Any) -> list[str]:
    """JSON-LD ``keywords`` as a list (it may be a list or a comma-separated string)."""
    if isinstance(value, str):
        return [k for k in (_clean(part) for part in value.split(",")) if k]
    if isinstance(value, list):
        return [k for k in (_clean(item) for item in value) if k]
    return []


def _publisher_name(value: Any, index: dict[str, dict[str, Any]]) -> str | None:
    """Name of a JSON-LD ``publisher`` value (possibly a list or an ``@id`` reference)."""
    if isinstance(value, list):
        value = value[0] if value else None
    pair = _person_name(value, index)
    return pair[0] if pair else None


def _same_page(a: str | None, b: str | None) -> bool:
    """Whether two URLs point to the same page, ignoring scheme, query and trailing slash."""
    if not a or not b:
        return False

    def key(url: str) -> str:
        url = re.sub(r"^[a-z]+://(www\.)?", "", url.strip().lower())
        return re.split(r"[?#]", url)[0].rstrip("/")

    return key(a) == key(b)


def _to_article(node: dict[str, Any], index: dict[str, dict[str, Any]]) -> JsonLdArticle:
    """Convert a schema.org article node into a :class:`JsonLdArticle`."""
    types = _types(node)
    authors = _authors(node.get("author"), index) or _authors(node.get("creator"), index)
    language = node.get("inLanguage")
    if isinstance(language, dict):
        language = language.get("alternateName") or language.get("name")
    return JsonLdArticle(
        type=types[0] if types else None,
        headline=_clean(node.get("headline")) or _clean(node.get("alternativeHeadline")),
        name=_clean(node.get("name")),
        authors=authors,
        publisher=_publisher_name(node.get("publisher"), index),
        date_published=_clean(node.get("datePublished")) or _clean(node.get("dateCreated")),
        date_modified=_clean(node.get("dateModified")),
        description=_clean(node.get("description")),
        image=_url_of(node.get("image")) or _url_of(node.get("thumbnailUrl")),
        url=_url_of(node.get("url")) or _url_of(node.get("mainEntityOfPage")),
        keywords=_keywords(node.get("keywords")),
        in_language=_clean(language),
        article_body=_raw_text(node.get("articleBody")) or _raw_text(node.get("text")),
    )


def _pick_article(
    values: list[Any], page_urls: tuple[str | None, ...]
) -> tuple[JsonLdArticle | None, list[str]]:
    """Choose the node describing the page's article; also return the site names seen."""
    nodes = list(_walk(values))
    index = {n["@id"]: n for n, _ in nodes if isinstance(n.get("@id"), str) and len(n) > 1}
    best: tuple[tuple[int, ...], dict[str, Any]] | None = None
    site_names: list[str] = []
    for position, (node, depth) in enumerate(nodes):
        types = _types(node)
        if any(t in _SITE_TYPES for t in types) and depth == 0:
            name = _clean(node.get("name"))
            if name:
                site_names.append(name)
        ranks = [ARTICLE_TYPES[t] for t in types if t in ARTICLE_TYPES]
        if not ranks:
            continue
        rank = min(ranks)
        url = _url_of(node.get("url")) or _url_of(node.get("mainEntityOfPage"))
        has_headline = bool(_clean(node.get("headline")))
        if rank == _WEBPAGE_RANK and not has_headline:
            continue
        score = (
            int(rank < _WEBPAGE_RANK),
            int(any(_same_page(url, page) for page in page_urls)),
            int(depth == 0),
            int(has_headline),
            int(bool(node.get("datePublished"))),
            -rank,
            -position,
        )
        if best is None or score > best[0]:
            best = (score, node)
    if best is None:
        return None, site_names
    article = _to_article(best[1], index)
    if article.publisher:
        site_names.append(article.publisher)
    return article, site_names


# --------------------------------------------------------------------------- HTML


def _parse_html(html: str) -> Any:
    """Parse ``html`` into an lxml tree, or ``None`` when it is not HTML at all."""
    if not html or not html.strip():
        return None
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, huge_tree=False)
    try:
        tree = lxml_html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, TypeError):
        return None
    return tree


def _text(element: Any) -> str | None:
    """Whitespace-collapsed text content of an element."""
    try:
        return _clean(element.text_content())
    except (ValueError, TypeError):
        return None


def parse_structured(html: str, url: str | None = None, *, tree: Any = None) -> StructuredData:
    """Collect the structured metadata of ``html``; empty data when there is none.

    ``tree`` is ``html`` already parsed (lxml.html); it is only read. Without it the page
    is parsed here.
    """
    data = StructuredData()
    if tree is None:
        tree = _parse_html(html)
    if tree is None:
        return data
    try:
        _fill(data, tree, url)
    except Exception:  # malformed pages must never stop extraction
        logger.warning("structured metadata parsing failed for %s", url, exc_info=True)
    return data


def _fill(data: StructuredData, tree: Any, url: str | None) -> None:
    """Populate ``data`` from the parsed ``tree``."""
    root = tree.getroottree().getroot()
    data.html_lang = _clean(root.get("lang")) or _clean(
        root.get("{http://www.w3.org/XML/1998/namespace}lang")
    )

    titles = tree.xpath("//head/title") or tree.xpath("//title[not(ancestor::svg)]")
    if titles:
        data.title_tag = _text(titles[0])

    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        if not key and meta.get("http-equiv"):
            key = meta.get("http-equiv")
        content = _clean(meta.get("content"))
        if not key or content is None:
            continue
        data.meta.setdefault(key.strip().lower(), []).append(content)
    data.content_language = data.first("content-language")

    for link in tree.xpath("//link[@rel][@href]"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels:
            data.canonical_url = _clean(link.get("href"))
            break

    for element in tree.xpath("//*[@itemprop][not(self::meta)]"):
        prop = element.get("itemprop")
        if prop not in _MICRODATA_PROPS or len(data.microdata.get(prop, ())) >= 5:
            continue
        value = element.get("datetime") or element.get("content")
        if prop == "author":
            names = element.xpath(".//*[@itemprop='name']")
            value = value or (_text(names[0]) if names else None)
        value = _clean(value) or _text(element)
        if value:
            data.microdata.setdefault(prop, []).append(value)

    data.h1 = [t for t in (_text(h) for h in tree.xpath("//h1")[:5]) if t]

    scripts = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").lower()
        if "ld+json" in kind:
            scripts.append(script.text or "")
        elif script.get("id") == "__NEXT_DATA__" and data.next_data is None and script.text:
            data.next_data = script.text
    if scripts:
        page_urls = (url, data.canonical_url, data.first("og:url"))
        data.jsonld, data.jsonld_site_names = _pick_article(
            parse_jsonld_blocks(scripts), page_urls
        )
