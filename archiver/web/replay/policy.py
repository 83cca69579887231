"""The Content-Security-Policy of replay paths: what a replayed page may load, and from where.

An archived resource (``/replay/TIMESTAMPmp_/URL``, ``id_``, anything under ``/replay/`` that
is not a frame page) is served with ``sandbox`` and no ``allow-scripts``: scripts never run and
the document has an opaque origin (no access to the app's cookies, storage or API). Images,
styles, fonts, media and frames may come only from the app's own replay path, plus ``data:``;
nothing else is fetched, so replay never reaches the live web.

The frame page (``/replay/TIMESTAMP/URL``) is the app's own page: the app's strict policy, plus
``frame-src`` for the replay path so it can show the archived page in its ``<iframe sandbox>``.
"""

from __future__ import annotations

import re

__all__ = ["PAGE_CSP", "frame_csp", "is_frame_page", "resource_csp"]

#: The app's own pages: its stylesheet, no script at all, forms only to itself, never framed.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")

_FRAME_PAGE = re.compile(r"/replay/\d{4,14}/.+")


def is_frame_page(path: str) -> bool:
    """Whether ``path`` is a frame page (``/replay/TIMESTAMP/URL``, no modifier)."""
    return _FRAME_PAGE.fullmatch(path) is not None


def resource_csp(origin: str) -> str:
    """The policy of archived resources served from the app at ``origin`` (``scheme://host[:port]``)."""
    replay = f"{origin}/replay/"
    return (f"sandbox; default-src 'none'; img-src {replay} data:; style-src {replay} 'unsafe-inline'; "
            f"font-src {replay} data:; media-src {replay} data:; frame-src {replay}; "
            "form-action 'none'; frame-ancestors 'self'; base-uri 'none'")


def frame_csp(origin: str) -> str:
    """The policy of a frame page: the app's own pages' policy, and framing of the replay path."""
    return f"{PAGE_CSP}; frame-src {origin}/replay/"
