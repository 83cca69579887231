"""Text that every output format can carry: XML 1.0 characters only, no lone surrogates.

Pages put anything in their titles and metadata: control characters (``ESC``), lone UTF-16
surrogates from JSON-LD escapes (``"\\ud83d"``), noncharacters. XML 1.0 allows none of the
controls but tab, newline and carriage return, and no surrogates at all; UTF-8 (so JSON written
as UTF-8) cannot encode a lone surrogate. :func:`xml_text` is the one sanitising step for every
XML document we write (the Atom feed of changes, on the web and from ``archiver changes``);
:func:`clean_text` is applied where extracted text enters the catalogue, so JSON outputs never
meet a lone surrogate.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["clean_data", "clean_text", "xml_text"]

# Characters outside XML 1.0's Char production: C0 controls but \t \n \r, surrogates, U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 does not allow dropped (lone surrogates included)."""
    return _NOT_XML.sub("", text)


def clean_text(text: str) -> str:
    """``text`` that encodes as UTF-8: surrogate pairs joined into their character, lone ones dropped.

    Control characters are kept (JSON escapes them; XML output drops them with :func:`xml_text`).
    """
    if not _SURROGATES.search(text):
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")  # pairs -> one char
    return _SURROGATES.sub("", joined)


def clean_data(value: Any) -> Any:
    """``value`` with :func:`clean_text` applied to every string in it (dicts, lists and tuples walked)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_data(v) for v in value)
    return value
