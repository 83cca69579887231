"""Article text that a page carries only in script data: the fallback body.

Client-rendered pages (Next.js and the like) ship an empty ``<div>`` and the article inside a
``<script>``, where trafilatura finds nothing. Two places are read, best first:

1. JSON-LD ``articleBody`` (or ``text``) of the article node: the publisher's own plain text;
2. Next.js ``__NEXT_DATA__``: the JSON is walked, every run of prose strings (a list of
   paragraph objects, rich-text blocks whose inline runs are children as in Slate, Portable
   Text or Contentful, or one HTML string with ``<p>`` elements) is a candidate, and the run
   with the most words wins. Teasers, captions, descriptions and SEO fields are skipped, and a
   candidate needs :data:`MIN_WORDS` words to count.

Nothing here raises on bad input; :func:`script_body` returns ``None`` when no usable text is
found.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from archiver.extraction.structured import StructuredData
from archiver.extraction.text import _URL_LIKE, count_words

__all__ = ["MIN_WORDS", "next_data_paragraphs", "script_body", "text_paragraphs"]

logger = logging.getLogger(__name__)

#: Words a script body needs before it is taken as the article.
MIN_WORDS = 40
_MIN_PROSE_WORDS = 6  # a string shorter than this is a label, not a paragraph
_MAX_NEXT_DATA = 5_000_000  # characters of __NEXT_DATA__ worth decoding
_MAX_NODES = 200_000
_MAX_DEPTH = 60

#: Keys whose values are not the article body (lower-cased, without ``_``/``-``).
_SKIP_KEYS = {
    "description", "summary", "teaser", "excerpt", "dek", "standfirstseo", "caption", "alt", "alttext",
    "credit", "credits", "copyright", "seo", "seotitle", "seodescription", "meta", "metadata", "metatags",
    "ogdescription", "socialdescription", "twitterdescription", "related", "relatedarticles", "recommended",
    "recommendations", "teasers", "navigation", "nav", "menu", "footer", "header", "comments", "ads",
    "advertising", "tracking", "analytics", "translations", "messages", "i18n", "locales", "cookie",
    "cookies", "consent", "newsletter", "mostread", "popular", "trending", "headline", "title",
}
_HTML_HINT = re.compile(r"<(?:p|br|div|h[1-6]|li|blockquote)\b", re.I)
_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def _key(name: str) -> str:
    return re.sub(r"[-_\s]", "", name).lower()


def text_paragraphs(value: str) -> list[str]:
    """Paragraphs of a text that is plain (split on line breaks) or HTML (block elements)."""
    if not value or not value.strip():
        return []
    if _HTML_HINT.search(value):
        return _html_paragraphs(value)
    lines = [_SPACES.sub(" ", line).strip() for line in re.split(r"\n\s*\n|\n", value)]
    return [line for line in lines if line]


def _html_paragraphs(fragment: str) -> list[str]:
    """Text of the block elements of an HTML fragment (the whole text if it has none)."""
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, etree.XMLSyntaxError, ValueError, TypeError):
        return []
    for junk in root.xpath(".//script|.//style|.//figcaption|.//figure"):
        junk.drop_tree()
    blocks = [b for b in root.iter(*_BLOCKS) if not any(a.tag in _BLOCKS for a in b.iterancestors())]
    texts = [b.text_content() for b in blocks] if blocks else [root.text_content()]
    return [t for t in (" ".join(x.split()) for x in texts) if t]


def _is_prose(text: str) -> bool:
    """Whether a string reads like running text rather than a label, id or URL."""
    stripped = text.strip()
    if not stripped or _URL_LIKE.search(stripped) or stripped.startswith(("{", "[", "/")):
        return False
    return count_words(stripped) >= _MIN_PROSE_WORDS


_BLOCK_TYPE = re.compile(r"paragraph|heading|block|list|quote|document|embed", re.I)


def _is_block(node: Any) -> bool:
    """Whether a rich-text node is a block (paragraph, heading, …) rather than an inline run."""
    return isinstance(node, dict) and any(
        isinstance(node.get(key), str) and _BLOCK_TYPE.search(node[key]) for key in ("type", "nodeType", "_type")
    )


def _inline_text(node: Any, depth: int = 0) -> str | None:
    """The text of a rich-text block whose inline runs are child nodes, or ``None``.

    Slate and Portable Text keep a paragraph as ``{"children": [{"text": …}, …]}``, Contentful
    as ``{"content": [{"value": …}, …]}``; the runs carry their own spaces and join as they are.
    """
    if depth > 8 or not isinstance(node, dict):
        return None
    for children_key, text_key in (("children", "text"), ("content", "value")):
        children = node.get(children_key)
        if isinstance(children, list) and children:
            parts = []
            for child in children[:500]:
                if isinstance(child, dict) and isinstance(child.get(text_key), str):
                    parts.append(child[text_key])
                else:
                    inner = None if _is_block(child) else _inline_text(child, depth + 1)
                    if inner is None:  # a container of blocks, not one block of text
                        return None
                    parts.append(inner)
            return "".join(parts)
    return None


def _prose_in(value: Any, depth: int = 0) -> list[str]:
    """Prose paragraphs inside one list item (a string or a small object), in order."""
    if depth > 4:
        return []
    if isinstance(value, str):
        return [p for p in text_paragraphs(value) if _is_prose(p)]
    inline = _inline_text(value)
    if inline is not None:
        paragraph = " ".join(inline.split())
        return [paragraph] if _is_prose(paragraph) else []
    if isinstance(value, dict):
        found: list[str] = []
        for key, child in value.items():
            if isinstance(key, str) and _key(key) not in _SKIP_KEYS:
                found += _prose_in(child, depth + 1)
        return found
    if isinstance(value, list):
        return [p for item in value[:500] for p in _prose_in(item, depth + 1)]
    return []


def _candidates(data: Any) -> Iterator[list[str]]:
    """Runs of paragraphs in decoded JSON: lists of paragraph items, and HTML strings."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    seen = 0
    while stack and seen < _MAX_NODES:
        value, depth = stack.pop()
        seen += 1
        if depth > _MAX_DEPTH:
            continue
        if isinstance(value, dict):
            for key, child in value.items():
                if isinstance(key, str) and _key(key) in _SKIP_KEYS:
                    continue
                if isinstance(child, str) and _HTML_HINT.search(child):
                    yield [p for p in _html_paragraphs(child) if p]
                elif isinstance(child, (dict, list)):
                    stack.append((child, depth + 1))
        elif isinstance(value, list):
            run = [p for item in value[:2000] for p in _prose_in(item)]
            if len(run) >= 2:
                yield run
            stack.extend((item, depth + 1) for item in value[:2000] if isinstance(item, (dict, list)))


def next_data_paragraphs(raw: str | None) -> list[str]:
    """The article paragraphs in a ``__NEXT_DATA__`` JSON text, or ``[]``."""
    if not raw or len(raw) > _MAX_NEXT_DATA:
        return []
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        logger.debug("undecodable __NEXT_DATA__ (%d chars)", len(raw))
        return []
    best: list[str] = []
    best_words = 0
    for run in _candidates(data):
        words = sum(count_words(p) for p in run)
        if words > best_words:
            best, best_words = run, words
    return best if best_words >= MIN_WORDS else []


def script_body(data: StructuredData) -> tuple[list[str], str] | None:
    """The fallback body: ``(paragraphs, source)`` with source ``"json-ld"`` or ``"next-data"``."""
    if data.jsonld and data.jsonld.article_body:
        paragraphs = text_paragraphs(data.jsonld.article_body)
        if sum(count_words(p) for p in paragraphs) >= MIN_WORDS:
            return paragraphs, "json-ld"
    try:
        paragraphs = next_data_paragraphs(data.next_data)
    except Exception:  # odd JSON shapes must never stop extraction
        logger.warning("reading __NEXT_DATA__ failed", exc_info=True)
        return None
    return (paragraphs, "next-data") if paragraphs else None
