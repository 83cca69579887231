"""Parse an HTML ``srcset`` value into its image candidates (URL and descriptor).

One parser for the two places that read ``srcset``: page-requisite discovery at capture time
and the replay's rewriting to archive URLs.
"""

from __future__ import annotations

__all__ = ["srcset_candidates"]


def srcset_candidates(value: str) -> list[tuple[str, str]]:
    """The ``(url, descriptor)`` pairs of a ``srcset`` (``a.jpg 1x, b.jpg 480w``), URLs as written.

    Follows the HTML standard's parsing: a candidate's URL runs to the next whitespace; a comma
    ending it is a separator (the descriptor is then empty); otherwise the descriptor runs to
    the next comma outside parentheses. Empty candidates are skipped.
    """
    candidates: list[tuple[str, str]] = []
    position, length = 0, len(value)
    while position < length:
        while position < length and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < length and not value[position].isspace():
            position += 1
        url, descriptor = value[start:position], ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            depth, begin = 0, position
            while position < length and not (value[position] == "," and depth == 0):
                if value[position] == "(":
                    depth += 1
                elif value[position] == ")":
                    depth = max(depth - 1, 0)
                position += 1
            descriptor = value[begin:position].strip()
        if url:
            candidates.append((url, descriptor))
    return candidates
