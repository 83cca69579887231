"""Thin wrapper around trafilatura: the only module of the archiver that imports it.

:func:`run_trafilatura` runs ``bare_extraction`` with metadata and returns a plain
``dict`` of strings and lists, so the rest of the package never touches
trafilatura's ``Document`` class. When trafilatura finds no article body it drops
the metadata as well; the wrapper then runs ``extract_metadata`` on its own so the
title, author and date are not lost.

:func:`load_tree` parses a page the way trafilatura does, so that the page is parsed once:
the structured-metadata reader walks that tree, and trafilatura works on its own copy.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from functools import lru_cache
from hashlib import blake2b
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import trafilatura
from trafilatura.deduplication import content_fingerprint, sample_tokens
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

try:  # internal helper, used to keep paragraph boundaries; optional
    from trafilatura.xml import xmltotxt as _xmltotxt
except ImportError:  # pragma: no cover - depends on the trafilatura version
    _xmltotxt = None

__all__ = ["TRAFILATURA_VERSION", "fingerprint", "load_tree", "run_trafilatura"]

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


def load_tree(html: str) -> Any:
    """Parse ``html`` with trafilatura's parser; ``None`` when it does not look like HTML."""
    if not html or not html.strip():
        return None
    try:
        return load_html(html)
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.debug("trafilatura could not parse the page", exc_info=True)
        return None


def _metadata_only(page: Any, url: str | None) -> dict[str, Any]:
    """Run trafilatura's metadata extraction alone (used when no body is found)."""
    try:
        doc = extract_metadata(page, default_url=url)
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura metadata extraction failed for %s", url, exc_info=True)
        return {}
    return {field: getattr(doc, field, None) for field in _FIELDS}


def run_trafilatura(html: str, url: str | None = None, *, tree: Any = None) -> dict[str, Any]:
    """Extract the article body and metadata of ``html`` with trafilatura.

    ``tree``, when given, is ``html`` already parsed by :func:`load_tree`; it is not
    modified (trafilatura works on a copy). Returns a dict with the metadata fields of
    trafilatura's ``Document`` (``title``, ``author`` as one ``"; "``-joined string, ``date``,
    ``sitename``, ``tags``, …), ``paragraphs`` (list of body paragraphs, empty when no body was found) and
    ``text`` (trafilatura's own plain text, or ``None``). Never raises.
    """
    result: dict[str, Any] = {"paragraphs": [], "text": None}
    if not html or not html.strip():
        return result
    page = html if tree is None else tree
    try:
        doc = trafilatura.bare_extraction(
            page,  # a tree is copied before trafilatura prunes it
            url=url,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
        )
    except Exception:  # trafilatura bugs on odd pages must not stop the archiver
        logger.warning("trafilatura extraction failed for %s", url, exc_info=True)
        doc = None
    if doc is None or isinstance(doc, dict):
        result.update(_metadata_only(html if tree is None else deepcopy(tree), url))
        return result
    result.update({field: getattr(doc, field, None) for field in _FIELDS})
    result["paragraphs"] = _paragraphs(doc)
    result["text"] = getattr(doc, "text", None) or None
    return result


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
