"""Persistence for the archiver: WARC files and the SQL catalogue that points into them.

This package knows nothing of Scrapy or of the application; it is called, never calls back.
"""

from storage.archive import Archive
from storage.articles import ArticleData
from storage.config import StorageConfig
from storage.errors import (
    CatalogueError,
    ConfigError,
    CorruptRecord,
    RecordNotFound,
    SearchQueryError,
    StorageError,
    WarcError,
    WarcWriteError,
)

__all__ = [
    "Archive",
    "ArticleData",
    "CatalogueError",
    "ConfigError",
    "CorruptRecord",
    "RecordNotFound",
    "SearchQueryError",
    "StorageConfig",
    "StorageError",
    "WarcError",
    "WarcWriteError",
]
