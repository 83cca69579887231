"""Durations as people write them: the one grammar of every duration the archiver takes.

A duration is a number of seconds (``90``, ``2.5``) or one or more parts of a number and a unit,
largest first or not, spaces allowed between them: ``45s``, ``30m``, ``12h``, ``1d``, ``2w``,
``1h30m``, ``1d 12h``, ``1.5h``. Units: ``s`` seconds, ``m`` minutes, ``h`` hours, ``d`` days,
``w`` weeks, in either case.

Used by ``archiver schedule add --time-limit``, ``ARCHIVER_RECRAWL_AFTER`` and each offset of
``ARCHIVER_REVISIT_POLICY``.
"""

from __future__ import annotations

import math
import re

from archiver.core.errors import UsageError

__all__ = ["DurationError", "parse_duration"]

_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])", re.IGNORECASE)
_PARTS = re.compile(rf"(?:{_PART.pattern}\s*)+", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_EXAMPLES = "90, 45s, 30m, 1h30m, 1d, 2w"


class DurationError(UsageError, ValueError):
    """A value that is not a duration, or not one that can be used here (negative, zero)."""


def parse_duration(value: str | float | int, *, positive: bool = False) -> float:
    """Seconds in ``value``: a number of seconds or e.g. ``30m``, ``1h30m``, ``1d12h``, ``2w``.

    Zero is allowed unless ``positive``; a negative duration never is. Raises :class:`DurationError`
    with a one-line message quoting ``value``.
    """
    seconds = float(value) if isinstance(value, int | float) else _seconds(value)
    if not math.isfinite(seconds):
        raise DurationError(f"not a duration: {value!r} (use e.g. {_EXAMPLES})")
    if positive and seconds <= 0:
        raise DurationError(f"a duration must be positive, got {value!r}")
    if seconds < 0:
        raise DurationError(f"a duration cannot be negative: {value!r}")
    return seconds


def _seconds(value: str) -> float:
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    if not _PARTS.fullmatch(text):
        raise DurationError(f"not a duration: {value!r} (use e.g. {_EXAMPLES})")
    return sum(float(number) * _UNIT_SECONDS[unit.lower()] for number, unit in _PART.findall(text))
