"""Target URIs of the records that are about a page but are not the page: ``urn:<kind>:<page URL>``.

A replay tool (pywb, ReplayWeb.page) looks records up by ``WARC-Target-URI`` and time. A record
that carries the page's own URL, such as the extracted text or a screenshot, can then be served
in place of the HTML. Browsertrix Crawler avoids that by giving such records a target URI of
the form ``urn:<kind>:<page URL>`` (``urn:text:``, ``urn:view:``, ``urn:fullPage:``,
``urn:thumbnail:``, ``urn:pageinfo:``; see the IIPC warc-specifications issue 54, "Crawl-time
rendering artefacts"), which no page lookup ever matches. We write ours the same way:

=====================  ==============  ==========================================
record                 kind            example
=====================  ==============  ==========================================
``conversion`` (text)  ``text``        ``urn:text:https://example.org/story``
``metadata`` (JSON)    ``metadata``    ``urn:metadata:https://example.org/story``
screenshot             ``fullPage``    ``urn:fullPage:https://example.org/story``
rendered DOM           ``dom``         ``urn:dom:https://example.org/story``
page requisites (JSON) ``requisites``  ``urn:requisites:https://example.org/story``
capture flags (JSON)   ``flags``       ``urn:flags:https://example.org/story``
page kind (JSON)       ``pagekind``    ``urn:pagekind:https://example.org/section``
detected edit (JSON)   ``change``      ``urn:change:https://example.org/story``
=====================  ==============  ==========================================

The link to the response record stays in ``WARC-Refers-To`` (and ``WARC-Concurrent-To``).
Archives written before this scheme carry the page URL itself: :func:`page_url` reads both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "CHANGE", "DOM", "FLAGS", "FULL_PAGE", "METADATA", "PAGE_KIND", "REQUISITES", "TEXT", "RecordUri", "page_url",
    "parse_record_uri", "record_uri",
]

#: The article text (our ``conversion`` record; Browsertrix's text records use the same kind).
TEXT = "text"
#: The article's fields as JSON (our ``metadata`` record).
METADATA = "metadata"
#: A full-page screenshot (Browsertrix's name for it).
FULL_PAGE = "fullPage"
#: The DOM as the browser rendered it.
DOM = "dom"
#: The list of a page's requisites and their record ids (a ``metadata`` record; see storage.requisites).
REQUISITES = "requisites"
#: A capture's flags and why (``blocked``: a bot wall; a ``metadata`` record; see storage.flags).
FLAGS = "flags"
#: What a crawl decided a page is (``index``: followed for its links, not an article; see storage.page_kind).
PAGE_KIND = "pagekind"
#: An edit detected between two captures of a page (a ``metadata`` record; see storage.change_records).
CHANGE = "change"

# A kind is a URN namespace identifier (RFC 8141: letters, digits, hyphens); the page URL is absolute.
_RECORD_URI = re.compile(r"urn:(?P<kind>[A-Za-z0-9][A-Za-z0-9-]{0,31}):(?P<url>[A-Za-z][A-Za-z0-9+.-]*://.+)\Z",
                         re.DOTALL)


@dataclass(frozen=True)
class RecordUri:
    """A parsed ``urn:<kind>:<page URL>``."""

    kind: str
    url: str


def record_uri(kind: str, url: str) -> str:
    """The target URI of a ``kind`` record about the page at ``url``: ``urn:<kind>:<url>``."""
    uri = f"urn:{kind}:{url}"
    if _RECORD_URI.match(uri) is None:
        raise ValueError(f"not a record kind and absolute page URL: {kind!r}, {url!r}")
    return uri


def parse_record_uri(uri: str) -> RecordUri | None:
    """The kind and page URL of ``urn:<kind>:<page URL>``; None for any other URI (a page URL, a ``urn:uuid:``)."""
    match = _RECORD_URI.match(uri)
    return RecordUri(match["kind"], match["url"]) if match else None


def page_url(uri: str) -> str:
    """The page a record is about: the URL inside ``urn:<kind>:<url>``, or ``uri`` itself (the old form)."""
    parsed = parse_record_uri(uri)
    return parsed.url if parsed else uri
