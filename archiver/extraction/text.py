"""Text helpers shared by the field pickers of :mod:`archiver.extraction.merge`.

Mojibake repair, cleaning of scraped strings (entities, whitespace), comparison keys,
case-insensitive de-duplication, and word counting that copes with CJK scripts.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["count_words", "fix_mojibake", "resolve"]


_SPACES = re.compile(r"\s+")

_MOJIBAKE = re.compile("[ÃÂÅÐÑ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc]")


def fix_mojibake(value: str) -> str:
    """Repair UTF-8 text that was decoded as windows-1252/latin-1 (``"sanciÃ³n"``)."""
    if not _MOJIBAKE.search(value):
        return value
    for codec in ("cp1252", "latin-1"):
        try:
            return value.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return value


def resolve(candidate: Any) -> Any:
    """A candidate value, or what it returns when it is a function.

    The pickers list trafilatura's metadata, which is costly to work out, as functions: it is
    worked out only when no earlier candidate settles the field.
    """
    return candidate() if callable(candidate) else candidate


def _clean_text(value: Any) -> str | None:
    """Unescape HTML entities, repair mojibake, collapse whitespace; ``None`` if empty."""
    if not isinstance(value, str):
        return None
    value = _SPACES.sub(" ", fix_mojibake(html_lib.unescape(value))).strip()
    return value or None


def _compact(value: str) -> str:
    """Comparison key: NFKC, case-folded, letters and digits only, no leading "the"."""
    value = unicodedata.normalize("NFKC", value).casefold().strip()
    value = re.sub(r"^the\s+", "", value)
    return "".join(ch for ch in value if ch.isalnum())


def _dedupe(values: Iterable[str]) -> list[str]:
    """Drop case-insensitive duplicates, keeping the first spelling and the order."""
    seen: set[str] = set()
    out = []
    for value in values:
        key = unicodedata.normalize("NFKC", value).casefold()
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


_URL_LIKE = re.compile(r"^(?:https?:|www\.)|^[\w.-]+\.[a-z]{2,}/", re.I)


_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")


def count_words(text: str | None) -> int:
    """Count words; each CJK character counts as one word (those scripts use no spaces)."""
    if not text:
        return 0
    return sum(1 for token in _WORD.findall(text) if any(ch.isalnum() for ch in token))
