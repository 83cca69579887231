"""Persistence for the archiver: WARC files and the SQL catalogue that points into them.

This package knows nothing of Scrapy or of the application; it is called, never calls back.

The names below are imported when first used, so that importing a light module of the package
(``storage.processes``, ``storage.errors``) does not load SQLAlchemy and the catalogue: the
extraction workers' forkserver imports one, and every worker is forked from it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from storage.errors import (
    ArchiverError,
    CatalogueError,
    ConfigError,
    CorruptRecord,
    DiskFullError,
    NotFoundError,
    RecordNotFound,
    SearchQueryError,
    StorageError,
    UsageError,
    WarcError,
    WarcWriteError,
)

if TYPE_CHECKING:
    from storage.archive import Archive
    from storage.articles import ArticleData
    from storage.config import StorageConfig

__all__ = [
    "Archive",
    "ArchiverError",
    "ArticleData",
    "CatalogueError",
    "ConfigError",
    "CorruptRecord",
    "DiskFullError",
    "NotFoundError",
    "RecordNotFound",
    "SearchQueryError",
    "StorageConfig",
    "StorageError",
    "UsageError",
    "WarcError",
    "WarcWriteError",
]

_LAZY = {"Archive": "storage.archive", "ArticleData": "storage.articles", "StorageConfig": "storage.config"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value
