"""Rewrite an archived HTML page so every reference points at the archive, with lxml.

The page is parsed by lxml's HTML parser (what a browser would build, more or less) and written
back; no regular expression touches the markup. What is rewritten, each through a
:data:`~archiver.services.replay.references.Resolver`:

- URL attributes (``src``, ``href``, ``poster``, ``data`` of ``object``, ``action``,
  ``background``, SVG ``xlink:href``) and ``srcset`` / ``imagesrcset``;
- lazy-loading attributes (``data-src``, ``data-lazy-src``, ``data-original``, ``data-srcset``)
  are made loadable: their archive URL becomes the element's ``src`` / ``srcset``, as the page's
  own script would have done;
- ``style`` attributes and ``<style>`` blocks (through :mod:`~archiver.services.replay.css`);
- ``<meta http-equiv=refresh>`` targets, and the document of an ``<iframe srcdoc>``.

``<base href>`` is honoured for resolving and then removed (every URL is absolute afterwards).
``integrity`` and ``crossorigin`` go too: rewritten CSS no longer matches its hash, and a
sandboxed page (opaque origin) cannot make CORS requests succeed. The result is UTF-8 with the
original doctype (so the page keeps its standards or quirks mode) and ``<meta charset="utf-8">``.
"""

from __future__ import annotations

from collections.abc import Callable

import lxml.etree
import lxml.html

from archiver.services.replay.css import rewrite_css
from archiver.services.replay.references import resolver, rewrite_srcset

__all__ = ["rewrite_html"]

_URL_ATTRIBUTES = ("src", "href", "poster", "action", "background", "xlink:href")
_SRCSET_ATTRIBUTES = ("srcset", "imagesrcset")
_LAZY_SRC = ("data-src", "data-lazy-src", "data-original")
_LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
_DROPPED = ("integrity", "crossorigin", "nonce")


def rewrite_html(markup: str, page_url: str, to_archive: Callable[[str], str]) -> str:
    """``markup`` (the page at ``page_url``) with every reference rewritten by ``to_archive``.

    ``to_archive`` gets absolute http(s) URLs and returns what to write (an archive URL).
    A document lxml cannot parse at all (empty, not HTML) is returned unchanged.
    """
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        doc = lxml.html.document_fromstring(markup.encode("utf-8"), parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return markup
    base = page_url
    for element in doc.iter("base"):
        if element.get("href"):
            base = resolver(page_url, lambda url: url)(element.get("href"))
            break
    resolve = resolver(base, to_archive)
    for element in list(doc.iter(lxml.etree.Element)):
        tag = element.tag
        if tag == "base":
            element.drop_tree()
            continue
        if tag == "meta":
            _rewrite_meta(element, resolve)
            continue
        if tag == "style" and element.text:
            element.text = rewrite_css(element.text, resolve)
        for name in _DROPPED:
            element.attrib.pop(name, None)
        for name in _URL_ATTRIBUTES:
            if element.get(name) is not None:
                element.set(name, resolve(element.get(name)))
        if tag == "object" and element.get("data") is not None:
            element.set("data", resolve(element.get("data")))
        for name in _SRCSET_ATTRIBUTES:
            if element.get(name) is not None:
                element.set(name, rewrite_srcset(element.get(name), resolve))
        _load_lazy(element, resolve)
        if tag == "iframe" and element.get("srcdoc"):
            element.set("srcdoc", rewrite_html(element.get("srcdoc"), base, to_archive))
        if element.get("style") is not None:
            element.set("style", rewrite_css(element.get("style"), resolve))
    # libxml2 invents an HTML 4.0 doctype for a page without one: write the page's own, or none.
    doctype = doc.getroottree().docinfo.doctype if _declares_doctype(markup) else ""
    return lxml.html.tostring(doc, encoding="unicode", doctype=doctype).lstrip("\n")


def _declares_doctype(markup: str) -> bool:
    """Whether the document starts (after a BOM, white space and comments) with a doctype."""
    rest = markup.lstrip("\ufeff \t\r\n\f")
    while rest.startswith("<!--"):
        end = rest.find("-->")
        if end < 0:
            return False
        rest = rest[end + 3:].lstrip(" \t\r\n\f")
    return rest[:9].lower() == "<!doctype"


def _load_lazy(element: lxml.html.HtmlElement, resolve: Callable[[str], str]) -> None:
    for name in _LAZY_SRC:
        value = element.get(name)
        if value and value.strip():
            element.set(name, resolve(value))
            element.set("src", element.get(name))
            break
    for name in _LAZY_SRCSET:
        value = element.get(name)
        if value and value.strip():
            element.set(name, rewrite_srcset(value, resolve))
            element.set("srcset", element.get(name))
            break


def _rewrite_meta(element: lxml.html.HtmlElement, resolve: Callable[[str], str]) -> None:
    if element.get("charset") is not None:
        element.set("charset", "utf-8")
    equiv = (element.get("http-equiv") or "").strip().lower()
    content = element.get("content") or ""
    if equiv == "content-type":
        element.set("content", "text/html; charset=utf-8")
    elif equiv == "refresh" and content:
        delay, sep, target = content.partition(";")
        key, eq, url = target.strip().partition("=")
        if sep and eq and key.strip().lower() == "url":
            element.set("content", f"{delay}; url={resolve(url.strip().strip(chr(39) + chr(34)))}")
