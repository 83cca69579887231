"""Decode fetched HTML bytes into text the way a browser (and Scrapy) would.

The order of evidence is the one of :func:`w3lib.encoding.html_to_unicode`, the
function Scrapy itself uses for ``response.text``:

1. a byte-order mark (per the WHATWG encoding standard it beats everything else),
2. the ``charset`` parameter of the HTTP ``Content-Type`` header,
3. ``<meta charset>`` / ``<meta http-equiv="content-type">`` / XML declaration,
4. detection: strict UTF-8 first, then ``charset_normalizer`` when it is installed,
5. windows-1252 as the last resort (it never fails to decode).

One sanity check is added to step 3: a page whose ``<meta>`` declares a legacy encoding
but whose bytes are valid UTF-8 with multi-byte sequences is decoded as UTF-8. CMS
templates keep stale declarations (``iso-8859-15`` on pages served as UTF-8), and
legacy-encoded text is practically never valid UTF-8 by accident.

Undecodable bytes become U+FFFD; decoding never raises.
"""

from __future__ import annotations

import logging

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
)

__all__ = ["decode_html"]

logger = logging.getLogger(__name__)

#: How many bytes the statistical detector looks at (it is slow on big pages).
_DETECT_SAMPLE = 64 * 1024


def _detect_encoding(body: bytes) -> str | None:
    """Guess the encoding of undeclared ``body``; ``None`` when no guess is possible."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as err:
        # A page cut in the middle of a multi-byte sequence is still UTF-8.
        if err.start >= len(body) - 3 and err.reason == "unexpected end of data":
            return "utf-8"
    else:
        return "utf-8"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset_normalizer comes with trafilatura
        return None
    try:
        best = from_bytes(body[:_DETECT_SAMPLE]).best()
    except Exception:  # a detector bug must not stop the archiver
        logger.debug("charset detection failed", exc_info=True)
        return None
    return best.encoding if best is not None else None


def _is_utf8_with_multibyte(body: bytes) -> bool:
    """Whether ``body`` is valid UTF-8 and not plain ASCII."""
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _stale_meta_declaration(body: bytes, content_type: str | None) -> bool:
    """Whether only ``<meta>`` speaks, names a non-UTF encoding, and the bytes are UTF-8."""
    if read_bom(body)[0] is not None or http_content_type_encoding(content_type):
        return False
    declared = html_body_declared_encoding(body)
    if not declared or declared.replace("-", "").lower().startswith("utf"):
        return False
    return _is_utf8_with_multibyte(body)


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode HTML ``body`` and return ``(text, encoding_name)``.

    ``content_type`` is the raw HTTP ``Content-Type`` header value, for example
    ``"text/html; charset=windows-1251"``, or ``None`` when it is unknown.
    """
    if not body:
        return "", "utf-8"
    try:
        if _stale_meta_declaration(body, content_type):
            logger.debug("ignoring a stale <meta> charset: the page is valid UTF-8")
            return body.decode("utf-8"), "utf-8"
        encoding, text = html_to_unicode(
            content_type, body, default_encoding="cp1252", auto_detect_fun=_detect_encoding
        )
    except Exception:  # w3lib should not raise, but never trust junk input
        logger.warning("could not decode HTML, falling back to UTF-8 with replacement")
        return body.decode("utf-8", errors="replace"), "utf-8"
    return text, encoding
