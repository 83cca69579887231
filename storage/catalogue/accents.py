"""Letters with diacritics and their plain letters, so PostgreSQL search folds accents as SQLite's FTS5 does.

SQLite's FTS5 table uses ``unicode61 remove_diacritics 2``: a letter whose Unicode
decomposition is a base letter plus combining marks matches its base letter (``é`` = ``e``,
``ř`` = ``r``), and letters without such a decomposition stay as they are (``ł``, ``ø``,
``ß``). PostgreSQL's ``translate(text, ACCENTED, PLAIN)`` with these two strings does the same
for the Latin letters (U+00C0 to U+024F), without an extension (``unaccent`` needs one).
"""

from __future__ import annotations

import unicodedata

__all__ = ["ACCENTED", "PLAIN", "fold"]


def _pairs() -> list[tuple[str, str]]:
    pairs = []
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if len(base) == 1 and base != char:
            pairs.append((char, base))
    return pairs


ACCENTED = "".join(char for char, _base in _pairs())
PLAIN = "".join(base for _char, base in _pairs())


def fold(text: str) -> str:
    """``text`` with the letters of :data:`ACCENTED` replaced by their plain letters."""
    return text.translate(str.maketrans(ACCENTED, PLAIN))
