"""The project's errors: one root, :class:`ArchiverError`, for every error raised on purpose.

The root lives here, in the lowest package every layer may import (``storage`` imports nothing
of ``archiver``); :mod:`archiver.core.errors` re-exports it and adds the application's own
kinds. Each class says what it means at the edges: ``exit_code`` for the command line and
``http_status`` for the web app, so ``archiver.cli.main`` and the web app map every error in
one place each::

    ArchiverError                   exit 1, HTTP 500: something went wrong on our side
    ├── UsageError                  exit 2, HTTP 400: the input is wrong (option, query, argument)
    │   ├── ConfigError             a setting has a value we cannot use (names setting and source)
    │   ├── NotFoundError           exit 1, HTTP 404: nothing by that id, URL or name
    │   └── SearchQueryError        a full-text query the index cannot parse (also a CatalogueError)
    ├── StorageError                the archive itself: WARC files and the catalogue
    │   ├── WarcError               a WARC file or record problem (path, offset)
    │   │   ├── WarcWriteError      a record could not be built or written
    │   │   │   └── DiskFullError   no space left: names the path and the free space (also raised
    │   │   │                       for a catalogue on a full disk)
    │   │   ├── RecordNotFound      nothing readable at the given file and offset
    │   │   ├── CorruptRecord       bytes are there but are not a valid WARC record
    │   │   └── UnreadableFormat    exit 2: a file that is no WARC or ARC we read (lz4, random bytes)
    │   └── CatalogueError          the catalogue database could not be opened or used
    │       ├── ReadOnlyArchive     a command that writes, on an archive it cannot write
    │       ├── MissingArchive      a command that reads, on an archive that does not exist
    │       └── DuplicateSchedule   (storage.catalogue.schedules) a schedule of that name exists
    └── (archiver.core.errors)      CaptureError, CrawlError, ExtractionError, SchedulingError,
                                    JobError and their subclasses
"""

from __future__ import annotations

import os
import time

from storage.diskspace import format_size, free_bytes

__all__ = [
    "ArchiverError",
    "CatalogueError",
    "ConfigError",
    "CorruptRecord",
    "DiskFullError",
    "MissingArchive",
    "NotFoundError",
    "ReadOnlyArchive",
    "RecordNotFound",
    "SearchQueryError",
    "StorageError",
    "UnreadableFormat",
    "UsageError",
    "WarcError",
    "WarcWriteError",
]


class ArchiverError(Exception):
    """Root of every error the archiver raises on purpose.

    ``exit_code`` is what the command line exits with, ``http_status`` what the web app answers.
    """

    exit_code: int = 1
    http_status: int = 500


class UsageError(ArchiverError):
    """The user's input cannot be used: a bad option, argument, query or parameter."""

    exit_code = 2
    http_status = 400


class ConfigError(UsageError):
    """A setting is missing or has a value we cannot use.

    ``setting`` names it and ``source`` says where the value came from (a command-line
    option, an environment variable, ``archiver.toml:LINE``), when known.
    """

    def __init__(self, message: str, *, setting: str | None = None, source: str | None = None) -> None:
        prefix = ""
        if setting and source and setting in source:  # "environment variable NAME" names it already
            prefix = f"{source}: "
        elif setting and source:
            prefix = f"{source}: {setting}: "
        elif setting:
            prefix = f"{setting}: "
        elif source:
            prefix = f"{source}: "
        super().__init__(prefix + message)
        self.setting = setting
        self.source = source
        self.reason = message


class NotFoundError(UsageError):
    """Nothing is archived by the id, URL or name the user gave."""

    exit_code = 1
    http_status = 404


class StorageError(ArchiverError):
    """The archive (WARC files, catalogue) could not be read or written."""


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


class DiskFullError(WarcWriteError):
    """No space left on the device that holds ``path``: nothing more can be written there.

    The message is one line naming the path and the space that is free, e.g.
    ``disk full: cannot write archive/warcs/X.warc.gz.open (12.0 KB free)``.
    """

    def __init__(self, path: str | os.PathLike[str], *, what: str = "write") -> None:
        self.free = free_bytes(path)
        free = "unknown space" if self.free is None else format_size(self.free)
        Exception.__init__(self, f"disk full: cannot {what} {path} ({free} free)")
        self.path = str(path)
        self.offset = None
        self.when = time.monotonic()  # which of several came first


class RecordNotFound(WarcError):
    """There is no record at the requested file and offset (missing file, offset past end)."""


class CorruptRecord(WarcError):
    """The bytes at the requested place are not a complete, valid WARC record."""


class UnreadableFormat(UsageError, WarcError):
    """A file given to read is not a WARC or ARC file in a form we read (e.g. lz4, zstd, random bytes).

    The message names the file, what it is and what to do; the command line exits with 2.
    """


class CatalogueError(StorageError):
    """The catalogue database could not be opened, migrated or written."""


class ReadOnlyArchive(CatalogueError):
    """A command that writes was given an archive it cannot write (a read-only disk, mount or file)."""


class MissingArchive(CatalogueError):
    """A command that only reads was given an archive that does not exist (no catalogue file to read)."""


class SearchQueryError(UsageError, CatalogueError):
    """A full-text search query is malformed (unbalanced quotes, an operator with nothing beside it).

    It is the user's input that is wrong, not the catalogue: a usage error.
    """

    exit_code = 2
    http_status = 400
