"""Typed spider arguments, checked before anything is fetched.

Scrapy hands spider arguments over as strings (``-a since=2024-01-01``); the archiver's CLI
hands them over typed. Each parser accepts both and raises :class:`SpiderArgumentError` with a
message naming the argument, so a bad value stops the spider before its first request.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

__all__ = ["ALLOW", "DENY", "SINCE", "Param", "SpiderArgumentError", "parse_datetime", "parse_non_negative_int",
           "parse_patterns", "parse_since"]


class SpiderArgumentError(ValueError):
    """A spider argument has a value the spider cannot use."""


@dataclass(frozen=True, kw_only=True)
class Param:
    """One argument of a discovery spider, declared once: the spider, ``archiver crawl`` and schedules read it.

    - ``name``: the spider's keyword argument (``scrapy crawl site -a max_depth=3``);
    - ``type``: what the command line converts to (``str``, ``int`` or ``bool``); ``multiple``: repeatable (a list);
    - ``default``: what the spider uses when the argument is not given;
    - ``help``: one line for ``archiver crawl --help``; ``metavar``: the value's name there;
    - ``parse(value, name)``: checks and converts a value (a string from ``-a`` or a typed one), raising
      :class:`SpiderArgumentError` naming ``name``; None: the value as given;
    - ``flag``: the command-line option (default ``--`` and the name with dashes);
    - ``elsewhere``: the message when given to a spider that does not take it (``{flag}``, ``{spiders}``).
    """

    name: str
    help: str
    type: type = str
    default: Any = None
    multiple: bool = False
    metavar: str | None = None
    parse: Callable[[Any, str], Any] | None = None
    flag: str | None = None
    elsewhere: str = "{flag} only applies to {spiders} crawls"

    @property
    def option(self) -> str:
        """The command-line option: ``--max-depth``."""
        return self.flag or "--" + self.name.replace("_", "-")

    def given(self, value: Any) -> bool:
        """True when ``value`` is more than "not given" (None, empty, False)."""
        return value not in (None, "", False) and value != [] and value != ()

    def read(self, value: Any, name: str | None = None) -> Any:
        """``value`` checked and converted (the default when not given); errors name ``name`` (default: ours)."""
        if not self.given(value):
            return copy.copy(self.default)
        return self.parse(value, name or self.name) if self.parse else value


def parse_datetime(value: str) -> datetime | None:
    """A W3C/ISO 8601 date or date-time (``2024-05-01``, ``2024-05-01T10:00:00+02:00``, ``...Z``) as aware UTC.

    A value without an offset is taken as UTC. None when it cannot be parsed.
    """
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text[:10]), datetime.min.time())
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_since(value: str | date | datetime | None, name: str = "since") -> datetime | None:
    """The ``since`` cut-off: a date or date-time, or None for no cut-off."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), tzinfo=UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise SpiderArgumentError(f"{name}: not a date, expected e.g. 2024-05-01 or 2024-05-01T10:00:00Z: {value!r}")
    return parsed


def parse_non_negative_int(value: str | int | None, name: str) -> int | None:
    """A count such as ``max_depth``: a whole number, 0 or more, or None."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SpiderArgumentError(f"{name}: not a whole number: {value!r}") from None
    if number < 0:
        raise SpiderArgumentError(f"{name}: must be 0 or more, got {number}")
    return number


def parse_patterns(value: str | Iterable[str] | None, name: str) -> list[re.Pattern[str]]:
    """Regular expressions, given as a list or as one string (one pattern per line)."""
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else list(value)
    patterns = []
    for item in items:
        if not item.strip():
            continue
        try:
            patterns.append(re.compile(item.strip()))
        except re.error as exc:
            raise SpiderArgumentError(f"{name}: bad regular expression {item!r}: {exc}") from None
    return patterns


SINCE = Param(name="since", parse=parse_since,
              help="only pages dated at or after this date (2024-05-01).",
              elsewhere="{flag} applies to {spiders} crawls (only they give pages dates)")
ALLOW = Param(name="allow", multiple=True, parse=parse_patterns, default=[],
              help="Only page URLs matching this regex (repeatable).")
DENY = Param(name="deny", multiple=True, parse=parse_patterns, default=[],
             help="Skip page URLs matching this regex (repeatable).")
