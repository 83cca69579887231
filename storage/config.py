"""Storage settings: where the archive lives and how WARC files are written.

One typed object. The application builds it from its one config loader
(``archiver.core.config``); :meth:`StorageConfig.from_env` builds it from a mapping of these
names (what a script using :mod:`storage` alone needs)::

    ARCHIVER_HOME            data directory (default ./archive)
    ARCHIVER_DATABASE_URL    SQLAlchemy URL (default sqlite:///<home>/catalogue.sqlite)
    ARCHIVER_WARC_DIR        where WARC files go (default <home>/warcs)
    ARCHIVER_WARC_PREFIX     file name prefix (default ARCHIVER)
    ARCHIVER_WARC_MAX_SIZE   rotate after this many bytes (default 1 GB); accepts 500MB, 2G, ...
    ARCHIVER_WARC_FSYNC_INTERVAL  seconds between fsyncs of the open file (default 5; 0 = every record)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from storage.errors import ConfigError

__all__ = ["StorageConfig", "parse_size"]

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}


def parse_size(value: str | int, *, allow_zero: bool = False) -> int:
    """Parse a byte size such as ``1000000``, ``500MB``, ``2G``, ``64KiB`` or ``512B``.

    Zero (``0``, ``0B``) is refused unless ``allow_zero`` (a setting where 0 switches a limit off).
    """
    if isinstance(value, int):
        size = value
    else:
        match = _SIZE_RE.match(value)
        if not match:
            raise ConfigError(f"not a size: {value!r} (use e.g. 1000000, 500MB, 1G)")
        number, unit = match.groups()
        unit = (unit or "").lower()
        prefix = unit[:1] if unit[:1] in "kmgt" else ""  # "b" alone is bytes
        binary = prefix and unit[1:2] == "i"
        factor = 1024 ** ("kmgt".index(prefix) + 1) if binary else _UNITS[prefix]
        size = int(float(number) * factor)
    if size < 0 or (size == 0 and not allow_zero):
        raise ConfigError(f"size must be positive, got {value!r}")
    return size


@dataclass(frozen=True)
class StorageConfig:
    """Where the archive lives and how its WARC files are written."""

    home: Path
    database_url: str
    warc_dir: Path
    warc_prefix: str = "ARCHIVER"
    warc_max_size: int = 10**9
    fsync_interval: float = 5.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: object) -> StorageConfig:
        """Build the settings from defaults, then ``environ`` (a mapping of the names above), then ``overrides``."""
        env = environ
        home = Path(str(overrides.pop("home", None) or env.get("ARCHIVER_HOME") or "archive"))
        home = home.expanduser().absolute()
        database_url = str(
            overrides.pop("database_url", None)
            or env.get("ARCHIVER_DATABASE_URL")
            or f"sqlite:///{home / 'catalogue.sqlite'}"
        )
        warc_dir = Path(str(overrides.pop("warc_dir", None) or env.get("ARCHIVER_WARC_DIR") or home / "warcs"))
        config = cls(
            home=home,
            database_url=database_url,
            warc_dir=warc_dir.expanduser().absolute(),
            warc_prefix=env.get("ARCHIVER_WARC_PREFIX", "ARCHIVER"),
            warc_max_size=parse_size(env.get("ARCHIVER_WARC_MAX_SIZE", 10**9)),
            fsync_interval=_parse_float(env.get("ARCHIVER_WARC_FSYNC_INTERVAL", "5"), "ARCHIVER_WARC_FSYNC_INTERVAL"),
        )
        if overrides:
            unknown = set(overrides) - set(cls.__dataclass_fields__)
            if unknown:
                raise ConfigError(f"unknown storage setting(s): {', '.join(sorted(unknown))}")
            config = replace(config, **overrides)  # type: ignore[arg-type]
        config.validate()
        return config

    def validate(self) -> None:
        """Raise :class:`ConfigError` when a value cannot be used."""
        if not re.fullmatch(r"[A-Za-z0-9_.]+", self.warc_prefix):
            raise ConfigError(
                f"WARC prefix {self.warc_prefix!r} may only hold letters, digits, '_' and '.'"
            )
        if self.warc_max_size <= 0:
            raise ConfigError("WARC size limit must be positive")
        if self.fsync_interval < 0:
            raise ConfigError("fsync interval must be 0 or more seconds")


def _parse_float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {value!r}") from None
