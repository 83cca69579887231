"""The names of capture flags the catalogue acts on (``captures.flags``), and what they mean for articles.

Dependency-free, so both the catalogue's reads and :mod:`storage.flags` (the WARC records that
state flags) use the same names.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["BLOCKED", "NOT_ARTICLE_FLAGS", "not_an_article"]

#: The flag of a bot wall or challenge page archived in place of the page asked for.
BLOCKED = "blocked"
#: Flags that say the payload is not the page: such a capture is never an article.
NOT_ARTICLE_FLAGS = frozenset({BLOCKED})


def not_an_article(flags: Iterable[str] | None) -> bool:
    """Whether a capture with these flags must not be catalogued as an article."""
    return any(flag in NOT_ARTICLE_FLAGS for flag in flags or ())
