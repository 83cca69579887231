"""Article extraction: turn a fetched news page into its text and metadata.

Public API::

    from archiver.extraction import extract, decode_html, ExtractionResult

    result = extract(body_bytes, url, content_type="text/html; charset=utf-8")
    result.title, result.authors, result.published, result.text, result.to_dict()

:func:`extract` decodes the page (:mod:`.charset`), runs trafilatura for the body and
its metadata (:mod:`.trafilatura_backend`, the only module importing trafilatura),
reads JSON-LD/OpenGraph/``<meta>`` (:mod:`.structured`) and merges both with explicit
precedence and sanity checks (:mod:`.merge`). It never raises on bad input: garbage
gives an empty :class:`ExtractionResult`.
"""

from __future__ import annotations

import codecs
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from archiver.extraction.charset import decode_html
from archiver.extraction.merge import merge
from archiver.extraction.structured import parse_structured
from archiver.extraction.trafilatura_backend import (
    TRAFILATURA_VERSION,
    fingerprint,
    load_tree,
    run_trafilatura,
)

__all__ = ["EXTRACTOR", "ExtractionResult", "decode_html", "extract"]

logger = logging.getLogger(__name__)

#: Name and version of the extractor, stored with every result.
EXTRACTOR = f"trafilatura {TRAFILATURA_VERSION}"


@dataclass(frozen=True)
class ExtractionResult:
    """What was extracted from one page. Immutable and picklable.

    ``text`` holds the article body with paragraphs separated by a blank line
    (``"\\n\\n"``); dates are ISO 8601 strings that keep the page's UTC offset
    (``"2023-04-16T12:05:00+03:00"``) or a bare day (``"2023-04-16"``); ``language``
    is a lower-case primary language code (``"en"``); ``sources`` tells, for each
    filled field, where the value came from (``"json-ld"``, ``"opengraph"``,
    ``"meta"``, ``"html"``, ``"trafilatura"``, ``"next-data"`` or ``"detected"``). When
    trafilatura finds no body in the markup, ``text`` comes from the page's script data
    (JSON-LD ``articleBody`` or Next.js ``__NEXT_DATA__``, see :mod:`.scripts`).
    """

    text: str | None = None
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    modified: str | None = None
    sitename: str | None = None
    language: str | None = None
    description: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    tags: tuple[str, ...] = ()
    fingerprint: str | None = None
    word_count: int = 0
    sources: dict[str, str] = field(default_factory=dict, hash=False, compare=True)
    extractor: str = EXTRACTOR

    @property
    def is_empty(self) -> bool:
        """Whether neither a body nor a title was found."""
        return not self.text and not self.title

    def to_dict(self) -> dict[str, Any]:
        """Return the result as JSON-serialisable data (tuples become lists)."""
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["tags"] = list(self.tags)
        data["sources"] = dict(self.sources)
        return data


def _to_text(html: bytes | str, encoding: str | None, content_type: str | None) -> str:
    """Decode ``html`` to ``str`` with the given encoding or by sniffing."""
    if isinstance(html, str):
        return html
    if isinstance(html, (bytearray, memoryview)):
        html = bytes(html)
    if not isinstance(html, bytes):
        return ""
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            logger.warning("unknown encoding %r, sniffing instead", encoding)
        else:
            return html.decode(encoding, errors="replace")
    return decode_html(html, content_type)[0]


def extract(
    html: bytes | str,
    url: str | None = None,
    *,
    encoding: str | None = None,
    content_type: str | None = None,
) -> ExtractionResult:
    """Extract the article text and metadata of one HTML page.

    ``html`` may be bytes (decoded with ``encoding`` when given, else from the HTTP
    ``content_type`` header value, BOM, ``<meta charset>`` or detection) or text.
    ``url`` is the page's URL; it resolves relative links and helps recognise the site
    name. Never raises: unusable input gives an empty result.
    """
    try:
        text = _to_text(html, encoding, content_type).replace("\x00", "")
        if not text.strip():
            return ExtractionResult()
        tree = load_tree(text)  # parsed once: read here, copied by trafilatura
        structured = parse_structured(text, url, tree=tree)
        trafilatura_out = run_trafilatura(text, url, tree=tree)
        fields = merge(trafilatura_out, structured, url)
        body = fields.get("text")
        return ExtractionResult(
            **fields, fingerprint=fingerprint(body) if body else None, extractor=EXTRACTOR
        )
    except Exception:  # the archiver must keep going whatever the page holds
        logger.exception("extraction failed for %s", url)
        return ExtractionResult()
