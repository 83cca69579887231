"""Find the page requisites of an HTML document or a stylesheet: pure functions, no Scrapy.

HTML is parsed with lxml, CSS with tinycss2's tokenizer (never regular expressions: a ``url(``
inside a comment or a string is not a reference). Each function returns :class:`Requisite`
items in document order, absolute, without fragments, each URL once; only ``http(s)`` URLs
are kept (``data:``, ``blob:``, ``javascript:`` need no fetch).

What an HTML page references: ``img`` ``src``/``srcset`` and the lazy-load attributes
``data-src``, ``data-srcset``, ``data-lazy-src``; ``picture``/``video``/``audio`` ``source``
``src``/``srcset``; ``link rel`` ``stylesheet``, ``icon`` (and ``shortcut icon``),
``apple-touch-icon``, ``preload``/``modulepreload`` (``href`` and ``imagesrcset``);
``script src``; ``video``/``audio`` ``src`` and ``poster``, ``track src``; ``url()`` in
``style`` attributes and ``<style>`` blocks (and their ``@import``). ``<base href>`` is the base
of every relative URL. In a stylesheet: ``@import`` (a nested stylesheet) and every ``url()``
(fonts inside ``@font-face``, images elsewhere), relative to the stylesheet's own URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
import tinycss2
from lxml import etree

from archiver.core.srcset import srcset_candidates

__all__ = ["Requisite", "css_requisites", "html_requisites", "srcset_urls", "style_attribute_requisites"]

#: Kinds of requisite. A ``stylesheet`` is fetched and its own requisites followed.
STYLESHEET = "stylesheet"
IMAGE = "image"
FONT = "font"
ICON = "icon"
SCRIPT = "script"
MEDIA = "media"
PRELOAD = "preload"

_ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
_IMG_ATTRIBUTES = ("src", "data-src", "data-lazy-src", "data-original")
_SRCSET_ATTRIBUTES = ("srcset", "data-srcset")


@dataclass(frozen=True)
class Requisite:
    """One URL a page needs, and what kind of resource it is (``image``, ``stylesheet``, ``font``, ...)."""

    url: str
    kind: str


def html_requisites(html: str | bytes, page_url: str) -> list[Requisite]:
    """The requisites of an HTML document fetched from ``page_url``, in document order, each URL once."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []  # an empty or unparsable document needs nothing
    base = _base_url(root, page_url)
    return _unique(_from_tree(root, base))


def css_requisites(css: str, stylesheet_url: str) -> list[Requisite]:
    """The requisites of a stylesheet: ``@import`` (kind ``stylesheet``) and every ``url()``."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _unique(_from_rules(rules, stylesheet_url))


def style_attribute_requisites(style: str, base_url: str) -> list[Requisite]:
    """The ``url()`` references of an inline ``style="..."`` declaration list."""
    tokens = tinycss2.parse_component_value_list(style, skip_comments=True)
    return _unique(Requisite(url, IMAGE) for url in _urls_in(tokens, base_url))


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset`` value (``a.jpg 1x, b.jpg 2x`` or ``a.jpg 480w, ...``), as written."""
    return [url for url, _ in srcset_candidates(value)]


# ---------------------------------------------------------------------------------- HTML
def _base_url(root: etree._Element, page_url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return urljoin(page_url, href)
    return page_url


def _from_tree(root: etree._Element, base: str) -> Iterator[Requisite]:
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        tag = tag.lower()
        if tag == "img":
            yield from _attributes(element, base, _IMG_ATTRIBUTES, IMAGE)
            yield from _srcsets(element, base, _SRCSET_ATTRIBUTES, IMAGE)
        elif tag == "source":
            kind = IMAGE if _parent_tag(element) == "picture" else MEDIA
            yield from _attributes(element, base, ("src", "data-src"), kind)
            yield from _srcsets(element, base, _SRCSET_ATTRIBUTES, kind)
        elif tag == "link":
            yield from _link(element, base)
        elif tag == "script":
            yield from _attributes(element, base, ("src",), SCRIPT)
        elif tag in ("video", "audio"):
            yield from _attributes(element, base, ("src",), MEDIA)
            yield from _attributes(element, base, ("poster",), IMAGE)
        elif tag == "track":
            yield from _attributes(element, base, ("src",), MEDIA)
        elif tag == "style":
            yield from css_requisites(element.text or "", base)
        style = element.get("style")
        if style and "url" in style.lower():
            yield from style_attribute_requisites(style, base)


def _parent_tag(element: etree._Element) -> str:
    parent = element.getparent()
    return parent.tag.lower() if parent is not None and isinstance(parent.tag, str) else ""


def _link(element: etree._Element, base: str) -> Iterator[Requisite]:
    rels = {token.lower() for token in (element.get("rel") or "").split()}
    if "stylesheet" in rels and "alternate" not in rels:
        yield from _attributes(element, base, ("href",), STYLESHEET)
    elif rels & _ICON_RELS:
        yield from _attributes(element, base, ("href",), ICON)
    elif rels & {"preload", "modulepreload"}:
        kind = {"style": STYLESHEET, "font": FONT, "image": IMAGE, "script": SCRIPT}.get(
            (element.get("as") or "").lower(), SCRIPT if "modulepreload" in rels else PRELOAD)
        yield from _attributes(element, base, ("href",), kind)
        yield from _srcsets(element, base, ("imagesrcset",), kind)


def _attributes(element: etree._Element, base: str, names: Iterable[str], kind: str) -> Iterator[Requisite]:
    for name in names:
        value = element.get(name)
        url = _absolute(value, base) if value else None
        if url:
            yield Requisite(url, kind)


def _srcsets(element: etree._Element, base: str, names: Iterable[str], kind: str) -> Iterator[Requisite]:
    for name in names:
        value = element.get(name)
        for candidate in srcset_urls(value) if value else ():
            url = _absolute(candidate, base)
            if url:
                yield Requisite(url, kind)


# ----------------------------------------------------------------------------------- CSS
def _from_rules(rules: Iterable[object], base: str) -> Iterator[Requisite]:
    for rule in rules:
        if isinstance(rule, tinycss2.ast.AtRule):
            keyword = rule.lower_at_keyword
            if keyword == "import":
                for url in _import_target(rule.prelude, base):
                    yield Requisite(url, STYLESHEET)
            elif keyword == "font-face":
                yield from (Requisite(url, FONT) for url in _urls_in(rule.content or [], base))
            elif rule.content is not None:  # @media, @supports, @layer blocks hold rules
                inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
                nested = list(_from_rules(inner, base))
                yield from nested or (Requisite(url, IMAGE) for url in _urls_in(rule.content, base))
        elif isinstance(rule, tinycss2.ast.QualifiedRule):
            yield from (Requisite(url, IMAGE) for url in _urls_in(rule.content, base))


def _import_target(prelude: list[object], base: str) -> Iterator[str]:
    for token in prelude:
        if isinstance(token, tinycss2.ast.WhitespaceToken | tinycss2.ast.Comment):
            continue
        if isinstance(token, tinycss2.ast.StringToken):
            url = _absolute(token.value, base)
        else:
            url = next(iter(_urls_in([token], base)), None)
        if url:
            yield url
        return  # the target comes first; media queries and layer() follow it


def _urls_in(tokens: Iterable[object], base: str) -> Iterator[str]:
    """Every ``url(...)`` among ``tokens``, inside blocks and functions too, made absolute."""
    for token in tokens:
        if isinstance(token, tinycss2.ast.URLToken):
            url = _absolute(token.value, base)
            if url:
                yield url
        elif isinstance(token, tinycss2.ast.FunctionBlock):
            if token.lower_name in ("url", "src"):
                strings = [arg for arg in token.arguments if isinstance(arg, tinycss2.ast.StringToken)]
                url = _absolute(strings[0].value, base) if strings else None
                if url:
                    yield url
            else:
                yield from _urls_in(token.arguments, base)
        elif isinstance(token, tinycss2.ast.ParenthesesBlock | tinycss2.ast.SquareBracketsBlock
                        | tinycss2.ast.CurlyBracketsBlock):
            yield from _urls_in(token.content, base)


# --------------------------------------------------------------------------------- shared
def _absolute(reference: str, base: str) -> str | None:
    """``reference`` resolved against ``base``, without its fragment; None unless it is http(s)."""
    reference = reference.strip()
    if not reference or reference.startswith("#"):
        return None
    try:
        url = urldefrag(urljoin(base, reference)).url
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _unique(requisites: Iterable[Requisite]) -> list[Requisite]:
    seen: set[str] = set()
    found: list[Requisite] = []
    for requisite in requisites:
        if requisite.url not in seen:
            seen.add(requisite.url)
            found.append(requisite)
    return found
