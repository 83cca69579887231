"""Cron expressions in a timezone: validated once, then asked for the next run times.

croniter computes the times; this module adds what a schedule needs around it: standard
five-field expressions (or ``@hourly``-style aliases) only, an IANA timezone checked up
front, and aware UTC datetimes out, whatever zone the expression is read in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter

from archiver.core.errors import UsageError

__all__ = ["CronSpec", "ScheduleError"]

_ALIASES = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


class ScheduleError(UsageError, ValueError):
    """A schedule has a value that cannot be used (cron expression, timezone, crawl option)."""


@dataclass(frozen=True)
class CronSpec:
    """A validated cron expression read in an IANA timezone."""

    expression: str
    timezone: str

    @classmethod
    def parse(cls, expression: str, timezone: str = "UTC") -> CronSpec:
        """Check ``expression`` (five fields or an ``@alias``) and ``timezone``; raise :class:`ScheduleError`."""
        text = " ".join(expression.split())
        if not text:
            raise ScheduleError("empty cron expression")
        if text.startswith("@"):
            if text.lower() not in _ALIASES:
                raise ScheduleError(f"unknown cron alias {text!r} (use one of {', '.join(sorted(_ALIASES))})")
        elif len(text.split()) != 5:
            raise ScheduleError(f"cron expression {text!r} has {len(text.split())} fields, expected 5 "
                                "(minute hour day-of-month month day-of-week)")
        try:
            croniter(text, datetime.now(UTC))
        except (CroniterError, ValueError, KeyError) as exc:
            raise ScheduleError(f"bad cron expression {text!r}: {exc}") from None
        _zone(timezone)
        return cls(text, timezone)

    def next_after(self, moment: datetime) -> datetime:
        """The first run time strictly after ``moment`` (aware), in UTC."""
        local = moment.astimezone(_zone(self.timezone))
        following = croniter(self.expression, local).get_next(datetime)
        return following.astimezone(UTC)

    def next_times(self, moment: datetime, count: int) -> list[datetime]:
        """The next ``count`` run times after ``moment``, in UTC."""
        times = []
        for _ in range(count):
            moment = self.next_after(moment)
            times.append(moment)
        return times


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown timezone {name!r} (use an IANA name such as UTC or Europe/Berlin)") from None

