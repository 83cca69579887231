"""Map Scrapy settings onto the storage settings.

Precedence, highest first: ``-s NAME=VALUE`` / settings given to the crawler, environment
variables (``ARCHIVER_HOME``, ``ARCHIVER_DATABASE_URL``, ...), defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from scrapy.settings import BaseSettings

from storage import StorageConfig
from storage.config import parse_size

__all__ = ["storage_config_from_settings"]

_STORAGE_SETTINGS = {
    "ARCHIVER_HOME": "home",
    "ARCHIVER_DATABASE_URL": "database_url",
    "ARCHIVER_WARC_DIR": "warc_dir",
    "ARCHIVER_WARC_PREFIX": "warc_prefix",
    "ARCHIVER_WARC_MAX_SIZE": "warc_max_size",
    "ARCHIVER_WARC_FSYNC_INTERVAL": "fsync_interval",
}


def storage_config_from_settings(settings: BaseSettings | Mapping[str, object],
                                  environ: Mapping[str, str] | None = None) -> StorageConfig:
    """The :class:`StorageConfig` for a crawler's settings (unset ones fall back to the environment)."""
    overrides: dict[str, object] = {}
    for name, field in _STORAGE_SETTINGS.items():
        value = settings.get(name)
        if value in (None, ""):
            continue
        if field == "warc_max_size":
            value = parse_size(value)  # type: ignore[arg-type]
        elif field == "fsync_interval":
            value = float(value)  # type: ignore[arg-type]
        overrides[field] = value
    return StorageConfig.from_env(os.environ if environ is None else environ, **overrides)
