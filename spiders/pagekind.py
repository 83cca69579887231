"""Tell article pages from section and index pages, so a link-following crawl catalogues only articles.

The rule, strongest evidence first:

1. JSON-LD: an ``@type`` of the Article family (``NewsArticle``, ``BlogPosting``, ...) means an
   article; a ``CollectionPage``/``ItemList``/... (and no article type) means an index.
2. OpenGraph ``og:type``: ``article`` means an article; ``website`` alone decides nothing.
3. Markup: several ``<article>`` elements are teasers of a list (index). One ``<article>`` (or
   ``<main>``) holding long running text (:data:`MIN_ARTICLE_CHARS`) is an article.
4. URL shape: a dated path (``/2024/05/01/...``) or a long hyphenated slug, with at least
   :data:`MIN_SLUG_PAGE_CHARS` of paragraph text, is an article.

Anything else is an index page: it is followed for links but not catalogued as an article.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from parsel import Selector

__all__ = ["ARTICLE_TYPES", "INDEX_TYPES", "is_article_page", "jsonld_types"]

ARTICLE_TYPES = frozenset({
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "askpublicnewsarticle",
    "scholarlyarticle", "techarticle", "report", "liveblogposting", "socialmediaposting",
})
INDEX_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage", "sitenavigationelement"})
MIN_ARTICLE_CHARS = 1500
MIN_SLUG_PAGE_CHARS = 800
_DATED_PATH = re.compile(r"/(19|20)\d\d/(0?[1-9]|1[0-2])(/|-)")
_SLUG = re.compile(r"/[a-z0-9]+(?:-[a-z0-9]+){3,}(?:\.html?)?/?$", re.IGNORECASE)


def _types(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _types(item)
    elif isinstance(node, dict):
        kind = node.get("@type")
        for value in kind if isinstance(kind, list) else [kind]:
            if isinstance(value, str):
                yield value.rsplit("/", 1)[-1].lower()
        for key in ("@graph", "mainEntity"):
            if key in node:
                yield from _types(node[key])


def jsonld_types(selector: Selector) -> set[str]:
    """Every ``@type`` (lower-cased) of the page's top-level JSON-LD nodes, ``@graph`` included."""
    found: set[str] = set()
    for script in selector.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(script)
        except ValueError:
            continue
        found.update(_types(data))
    return found


def _paragraph_chars(selector: Selector) -> int:
    return sum(len(" ".join(text.split())) for text in selector.xpath(".//p//text()").getall())


def is_article_page(html: str, url: str) -> bool:
    """True when the page looks like one article rather than a section or index page."""
    selector = Selector(text=html)
    types = jsonld_types(selector)
    if types & ARTICLE_TYPES:
        return True
    if types & INDEX_TYPES:
        return False
    og_type = (selector.xpath('//meta[@property="og:type"]/@content').get() or "").strip().lower()
    if og_type == "article":
        return True
    articles = selector.xpath("//article")
    if len(articles) > 1:
        return False
    container = articles[0] if articles else (selector.xpath("//main") or [None])[0]
    if container is not None and _paragraph_chars(container) >= MIN_ARTICLE_CHARS:
        return True
    path = urlsplit(url).path
    if _DATED_PATH.search(path) or _SLUG.search(path):
        return _paragraph_chars(selector) >= MIN_SLUG_PAGE_CHARS
    return False
