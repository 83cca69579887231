"""Errors raised by the storage layer.

Every error the package raises on purpose derives from :class:`StorageError`, so callers
(the CLI, the web app) can turn any of them into a clear message with one ``except``::

    StorageError
    ├── ConfigError            a setting has a value we cannot use
    ├── WarcError              a WARC file or record problem
    │   ├── WarcWriteError     a record could not be built or written
    │   ├── RecordNotFound     nothing readable at the given file and offset
    │   └── CorruptRecord      bytes are there but are not a valid WARC record
    └── CatalogueError         the catalogue database could not be opened or used
        └── SearchQueryError   a full-text query the index cannot parse (a usage error)
"""

from __future__ import annotations

__all__ = [
    "CatalogueError",
    "ConfigError",
    "CorruptRecord",
    "RecordNotFound",
    "SearchQueryError",
    "StorageError",
    "WarcError",
    "WarcWriteError",
]


class StorageError(Exception):
    """Root of every error raised by :mod:`storage`."""


class ConfigError(StorageError):
    """A storage setting is missing or has a value we cannot use."""


class WarcError(StorageError):
    """A WARC file or record could not be read or written.

    ``path`` and ``offset`` say where, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, offset: int | None = None):
        where = ""
        if path is not None:
            where = f" ({path}" + (f" at offset {offset}" if offset is not None else "") + ")"
        super().__init__(message + where)
        self.path = path
        self.offset = offset


class WarcWriteError(WarcError):
    """A record could not be built (bad input) or written to its file."""


class RecordNotFound(WarcError):
    """There is no record at the requested file and offset (missing file, offset past end)."""


class CorruptRecord(WarcError):
    """The bytes at the requested place are not a complete, valid WARC record."""


class CatalogueError(StorageError):
    """The catalogue database could not be opened, migrated or written."""


class SearchQueryError(CatalogueError):
    """A full-text search query is malformed (unbalanced quotes, an operator with nothing beside it).

    It is the user's input that is wrong, not the catalogue: callers treat it as a usage error.
    """
