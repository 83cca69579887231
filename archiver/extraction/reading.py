"""One page's reading in an extraction worker: is it a bot wall, and if not, its article.

The pipeline sends each archived HTML page to a worker once: :func:`read_page` first asks
:func:`~archiver.extraction.blocking.detect_blocked`, and extracts the article only from a 2xx
page that is not blocked, so a challenge page never becomes an article and the page crosses
the process boundary once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from archiver.extraction import ExtractionResult, extract
from archiver.extraction.blocking import BlockSign, detect_blocked

__all__ = ["PageReading", "read_page"]


@dataclass(frozen=True)
class PageReading:
    """What a worker made of a page: the sign it is blocked, or else its article (None for a non-2xx page)."""

    blocked: BlockSign | None = None
    result: ExtractionResult | None = None


def read_page(html: str, url: str, status: int, headers: Mapping[str, str] | None = None) -> PageReading:
    """Detect a bot wall in the page at ``url`` (answered with ``status``); extract its article if it is a 2xx page."""
    sign = detect_blocked(status, headers, html)
    if sign is not None:
        return PageReading(blocked=sign)
    if not 200 <= status < 300:
        return PageReading()
    return PageReading(result=extract(html, url))
