"""Thin wrapper around trafilatura: the only module of the archiver that imports it.

:func:`run_trafilatura` runs ``bare_extraction`` for the body and returns a read-only
mapping of strings and lists (:class:`TrafilaturaOutput`), so the rest of the package never
touches trafilatura's ``Document`` class. The metadata fields of that mapping are worked out
when first read, not with the body: trafilatura's metadata (htmldate's date search, byline
and tag look-ups) costs about a fifth of its time on a news page, and the merge needs it
only for what the page's structured data leaves open. A field's value is the one
``bare_extraction(with_metadata=True)`` would give, whether or not a body was found.

:func:`load_tree` parses a page the way trafilatura does, so that the page is parsed once:
the structured-metadata reader walks that tree, and trafilatura works on its own copy. Its
parser makes element objects faster than trafilatura's own (see :func:`_html_parser`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from copy import deepcopy
from functools import lru_cache
from hashlib import blake2b
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import trafilatura
from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction
from lxml.html import fromstring as html_fromstring
from trafilatura.deduplication import content_fingerprint, sample_tokens
from trafilatura.metadata import (
    examine_meta,
    extract_catstags,
    extract_domain,
    extract_meta_json,
    extract_metadata,
    extract_title,
    extract_url,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html

_xmltotxt: Callable[[Any, bool], str] | None
try:  # internal helper, used to keep paragraph boundaries; optional
    from trafilatura.xml import xmltotxt as _xmltotxt
except ImportError:  # pragma: no cover - depends on the trafilatura version
    _xmltotxt = None

__all__ = ["TRAFILATURA_VERSION", "TrafilaturaOutput", "fingerprint", "load_tree", "run_trafilatura"]

logger = logging.getLogger(__name__)

try:
    TRAFILATURA_VERSION: str = version("trafilatura")
except PackageNotFoundError:  # pragma: no cover - vendored or odd installs
    TRAFILATURA_VERSION = getattr(trafilatura, "__version__", "unknown")

#: Metadata fields copied from trafilatura's ``Document``.
_FIELDS = (
    "title",
    "author",
    "url",
    "hostname",
    "description",
    "sitename",
    "date",
    "categories",
    "tags",
    "language",
    "image",
    "pagetype",
)


def _body_paragraphs(body: Any) -> list[str] | None:
    """Render each block of trafilatura's XML body as one paragraph, or ``None``."""
    if body is None or _xmltotxt is None:
        return None
    paragraphs: list[str] = []
    if body.text and body.text.strip():
        paragraphs.append(body.text.strip())
    for child in body:
        tail, child.tail = child.tail, None
        try:
            block = _xmltotxt(child, False)
        finally:
            child.tail = tail
        block = "\n".join(line.strip() for line in block.strip().splitlines() if line.strip())
        if block:
            paragraphs.append(block)
        if tail and tail.strip():
            paragraphs.append(tail.strip())
    return paragraphs


def _paragraphs(doc: Any) -> list[str]:
    """Paragraphs of the extracted body, falling back to trafilatura's line split."""
    try:
        paragraphs = _body_paragraphs(getattr(doc, "body", None))
    except Exception:  # internal API: never let it break extraction
        logger.debug("per-block rendering failed, using plain text", exc_info=True)
        paragraphs = None
    if paragraphs:
        return paragraphs
    text = getattr(doc, "text", None) or ""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _html_parser() -> HTMLParser:
    """trafilatura's parser, with lxml's C element-class lookup instead of ``lxml.html``'s Python one.

    ``lxml.html`` picks each element's Python class by calling a Python method (to make
    ``<form>``, ``<input>`` etc. special classes) every time an element object is made, and
    trafilatura makes thousands per page: about a tenth of its time. With the lookup done in C
    every element is an ``HtmlElement``: trafilatura uses none of the form classes, and its
    output is the same.
    """
    parser = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                        remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
    return parser


_PARSER = _html_parser()


def load_tree(html: str) -> Any:
    """Parse ``html`` as trafilatura's ``load_html`` does; ``None`` when it does not look like HTML."""
    if not html or not html.strip():
        return None
    beginning = html[:50].lower()
    repaired = repair_faulty_html(html, beginning)
    tree = _parse(repaired)  # ValueError on a str with an encoding declaration: then as bytes
    if tree is None or len(tree) < 1:
        tree = _parse(repaired.encode("utf8", "surrogatepass"))
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None  # trafilatura's check: not (well-formed) HTML at all
    return tree


def _parse(html: str | bytes) -> Any:
    try:
        return html_fromstring(html, parser=_PARSER)
    except Exception:  # lxml gives up on some pages; they must not stop the archiver
        logger.debug("lxml could not parse the page", exc_info=True)
        return None


#: Fields ``extract_metadata`` takes from ``<meta>`` tags, JSON-LD, ``<link rel=canonical>``, ``<h1>`` or
#: ``<title>`` only, none of which it changes later in its run: cheap to get on their own.
_QUICK_FIELDS = ("title", "url", "hostname", "description", "image", "pagetype")
#: Fields it takes from ``<meta>`` tags or JSON-LD, else from the page's category or tag links.
_LINK_FIELDS = {"categories": "category", "tags": "tag"}


class TrafilaturaOutput(Mapping[str, Any]):
    """What trafilatura made of one page: ``paragraphs`` and ``text`` of the body, and its metadata fields.

    The keys are ``paragraphs`` (body paragraphs, empty when no body was found), ``text``
    (trafilatura's own plain text, or ``None``) and the metadata fields of trafilatura's
    ``Document`` (``title``, ``author`` as one ``"; "``-joined string, ``date``, ``sitename``,
    ``tags``, …). Reading a field of ``_QUICK_FIELDS`` costs a few look-ups; reading any other
    metadata field runs trafilatura's whole metadata extraction, once.
    """

    def __init__(self, page: Any, url: str | None, paragraphs: list[str], text: str | None) -> None:
        self._page = page  # the parsed tree (never modified), or the HTML when it would not parse
        self._url = url
        self._body: dict[str, Any] = {"paragraphs": paragraphs, "text": text}
        self._quick: tuple[dict[str, Any], Any] | None = None  # the quick fields, and the tree they came from
        self._links: dict[str, list[str]] = {}
        self._metadata: dict[str, Any] | None = None

    def __getitem__(self, key: str) -> Any:
        if key in self._body:
            return self._body[key]
        if key not in _FIELDS:
            raise KeyError(key)
        if self._metadata is None and key in _QUICK_FIELDS:
            return self._quick_fields()[0][key]
        if self._metadata is None and key in _LINK_FIELDS:  # from <meta> or JSON-LD, else from the links
            if key not in self._links:
                quick, tree = self._quick_fields()
                self._links[key] = quick[key] or _catstags(key, tree)
            return self._links[key]
        if self._metadata is None:
            self._metadata = _metadata(self._page, self._url)
        return self._metadata[key]

    def _quick_fields(self) -> tuple[dict[str, Any], Any]:
        if self._quick is None:
            self._quick = _quick_metadata(self._page, self._url)
        return self._quick

    def __iter__(self) -> Iterator[str]:
        return iter(("paragraphs", "text", *_FIELDS))

    def __len__(self) -> int:
        return 2 + len(_FIELDS)


def _metadata(page: Any, url: str | None) -> dict[str, Any]:
    """trafilatura's metadata extraction (on a copy of ``page`` when it is a tree); never raises."""
    try:
        doc = extract_metadata(deepcopy(page) if not isinstance(page, str) else page, default_url=url)
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura metadata extraction failed for %s", url, exc_info=True)
        return dict.fromkeys(_FIELDS)
    return {field: getattr(doc, field, None) for field in _FIELDS}


def _quick_metadata(page: Any, url: str | None) -> tuple[dict[str, Any], Any]:
    """The ``_QUICK_FIELDS`` as ``extract_metadata`` gives them, and the ``_LINK_FIELDS`` as its
    ``<meta>`` and JSON-LD steps give them, without the rest of its work; and the parsed tree.
    Never raises.

    Its first steps, in its order: ``<meta>`` tags, overridden by JSON-LD; the title from
    ``<h1>`` or ``<title>`` when there is none; the URL from ``<link rel=canonical>`` (or
    ``url``) when there is none; then every field trimmed.
    """
    empty: dict[str, Any] = {**dict.fromkeys(_QUICK_FIELDS), **dict.fromkeys(_LINK_FIELDS, [])}
    try:
        tree = load_tree(page) if isinstance(page, str) else page
        if tree is None:
            return empty, None
        doc = examine_meta(tree)
        try:
            doc = extract_meta_json(tree, doc)
        except Exception:  # as extract_metadata does: JSON-LD bugs leave what <meta> gave
            logger.debug("trafilatura could not read the JSON-LD", exc_info=True)
        doc.title = doc.title or extract_title(tree)
        doc.url = doc.url or extract_url(tree, url)
        if doc.url:
            doc.hostname = extract_domain(doc.url, fast=True)
        doc.clean_and_trim()
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura metadata extraction failed for %s", url, exc_info=True)
        return empty, None
    fields = {field: getattr(doc, field, None) for field in _QUICK_FIELDS}
    fields.update({field: getattr(doc, field, None) or [] for field in _LINK_FIELDS})
    return fields, tree


def _catstags(field: str, tree: Any) -> list[str]:
    """The categories or tags ``extract_metadata`` finds in the page's links; never raises."""
    if tree is None:
        return []
    try:
        return extract_catstags(_LINK_FIELDS[field], tree) or []
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura could not read the page's %s links", field, exc_info=True)
        return []


def run_trafilatura(html: str, url: str | None = None, *, tree: Any = None) -> TrafilaturaOutput:
    """Extract the article body of ``html`` with trafilatura; its metadata when read (:class:`TrafilaturaOutput`).

    ``tree``, when given, is ``html`` already parsed by :func:`load_tree`; it is not
    modified (trafilatura works on a copy). Never raises, not even when a metadata field is read.
    """
    page = html if tree is None else tree
    if not html or not html.strip():
        return TrafilaturaOutput(page, url, [], None)
    try:
        doc = trafilatura.bare_extraction(
            page,  # a tree is copied before trafilatura prunes it
            url=url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura extraction failed for %s", url, exc_info=True)
        doc = None
    if doc is None or isinstance(doc, dict):
        return TrafilaturaOutput(page, url, [], None)
    return TrafilaturaOutput(page, url, _paragraphs(doc), getattr(doc, "text", None) or None)


# trafilatura's Simhash adds a +1/-1 vector of 64 ints per token, which takes milliseconds
# on an article. The same sum is kept here in one big integer with a 32-bit lane per hash
# bit: a token adds its bits "spread" over the lanes, so each token costs one addition.
_BITS = 64
_LANE = 32
_LANE_MASK = (1 << _LANE) - 1
_SPREAD_BYTE = [sum(((byte >> i) & 1) << (_LANE * i) for i in range(8)) for byte in range(256)]


@lru_cache(maxsize=2**14)
def _spread(token: str) -> int:
    """The token's 64-bit hash (as trafilatura computes it) with each bit in its own lane."""
    token_hash = int.from_bytes(blake2b(token.encode(), digest_size=8).digest(), "big")
    spread = 0
    for index in range(8):
        spread |= _SPREAD_BYTE[(token_hash >> (8 * index)) & 0xFF] << (_LANE * 8 * index)
    return spread


def fingerprint(text: str) -> str:
    """Return trafilatura's simhash content fingerprint of ``text`` (hex string).

    Same value as ``trafilatura.deduplication.content_fingerprint``, computed faster.
    """
    try:
        tokens = sample_tokens(text, _BITS)
    except Exception:  # internal helper of trafilatura: fall back to the public function
        return content_fingerprint(text)
    total = sum(_spread(token) for token in tokens)
    # a bit is set when at least half of the tokens have it (trafilatura: vector sum >= 0)
    value = sum(1 << i for i in range(_BITS) if 2 * ((total >> (_LANE * i)) & _LANE_MASK) >= len(tokens))
    return f"{value:x}"
