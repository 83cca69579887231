"""The revisit policy: offsets after an article's first capture at which it is fetched again.

``ARCHIVER_REVISIT_POLICY`` (setting or environment variable, or ``-s`` per crawl/schedule) is a
comma-separated list of durations, e.g. the default ``1h,6h,1d,7d``; ``off`` (or empty) plans
no revisits.
"""

from __future__ import annotations

from collections.abc import Mapping

from archiver.core.durations import DurationError, parse_duration
from archiver.core.errors import UsageError

__all__ = ["DEFAULT_POLICY", "PolicyError", "parse_policy", "policy_from"]

DEFAULT_POLICY = "1h,6h,1d,7d"


class PolicyError(UsageError, ValueError):
    """A revisit policy that is not a list of increasing durations."""


def parse_policy(value: str | None) -> list[float]:
    """Offsets in seconds from ``value`` (``1h,6h,1d,7d``); ``off``/empty: none. Raises :class:`PolicyError`."""
    text = (value or "").strip()
    if text.lower() in ("", "off", "none", "0", "false", "no"):
        return []
    try:
        offsets = [parse_duration(part.strip()) for part in text.split(",") if part.strip()]
    except DurationError as exc:
        raise PolicyError(f"ARCHIVER_REVISIT_POLICY: {exc}") from None
    if any(b <= a for a, b in zip(offsets, offsets[1:], strict=False)) or any(o <= 0 for o in offsets):
        raise PolicyError(f"ARCHIVER_REVISIT_POLICY: {value!r} must be increasing positive durations, e.g. "
                          f"{DEFAULT_POLICY}")
    return offsets


def policy_from(settings: Mapping[str, object] | None) -> list[float]:
    """The policy of a crawl's settings (``ARCHIVER_REVISIT_POLICY``; unset or empty: the default)."""
    value = (settings or {}).get("ARCHIVER_REVISIT_POLICY")
    if value is None or value == "":
        value = DEFAULT_POLICY
    return parse_policy(str(value))
