"""Where setting values come from: the environment and ``ARCHIVE/archiver.toml``.

Each value is read with its source (``environment variable NAME``, ``FILE:LINE``), so an error
can say where a wrong value was given.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.core.config.schema import SECTIONS, SETTINGS
from archiver.core.errors import ConfigError

__all__ = ["CONFIG_FILE", "FileValues", "Given", "read_config_file"]

CONFIG_FILE = "archiver.toml"
SCRAPY_SECTION = "scrapy"  # raw Scrapy settings (DOWNLOAD_DELAY = 2, ...)


@dataclass(frozen=True)
class Given:
    """A value as given, and where: ``source`` is shown in messages."""

    value: Any
    source: str


@dataclass(frozen=True)
class FileValues:
    """What ``archiver.toml`` sets: archiver settings by name, and raw Scrapy settings."""

    settings: dict[str, Given]
    scrapy: dict[str, Given]


_KEYS = {(setting.section, setting.key): setting for setting in SETTINGS if setting.file}
_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, key) -> line number, for messages (tomllib does not report where a key is)."""
    lines: dict[tuple[str, str], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            section = header.group(1)
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((section, key.group(1)), number)
    return lines


def read_config_file(path: Path) -> FileValues:
    """The settings ``path`` sets (nothing when it does not exist); a bad file raises :class:`ConfigError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return FileValues({}, {})
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read it: {exc}", source=str(path)) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", source=str(path)) from None
    lines = _key_lines(text)

    def where(section: str, key: str) -> str:
        line = lines.get((section, key))
        return f"{path}:{line}" if line else str(path)

    settings: dict[str, Given] = {}
    scrapy: dict[str, Given] = {}
    for section, table in data.items():
        if section not in (*SECTIONS, SCRAPY_SECTION) or not isinstance(table, Mapping):
            raise ConfigError(f"unknown section [{section}] (known: {', '.join((*SECTIONS, SCRAPY_SECTION))})",
                              source=where("", section) if not isinstance(table, Mapping) else _header(path, text,
                                                                                                      section))
        for key, value in table.items():
            if section == SCRAPY_SECTION:
                scrapy[key] = Given(value, where(section, key))
                continue
            setting = _KEYS.get((section, key))
            if setting is None:
                known = ", ".join(sorted(k for s, k in _KEYS if s == section))
                raise ConfigError(f"unknown key (known in [{section}]: {known})", setting=f"[{section}] {key}",
                                  source=where(section, key))
            settings[setting.name] = Given(value, where(section, key))
    return FileValues(settings, scrapy)


def _header(path: Path, text: str, section: str) -> str:
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and header.group(1) == section:
            return f"{path}:{number}"
    return str(path)
