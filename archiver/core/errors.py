"""The application's errors, under the project's one root (:class:`ArchiverError`).

The root and the storage errors are defined in :mod:`storage.errors` (the lowest package every
layer may import) and re-exported here; the kinds below are the application's own::

    ArchiverError
    ├── UsageError                  exit 2, HTTP 400
    │   ├── ConfigError             a setting's value (names setting and source)
    │   ├── NotFoundError           exit 1, HTTP 404
    │   ├── SearchQueryError
    │   ├── CrawlOptionError        crawl options that do not fit together
    │   ├── DurationError           not a duration (archiver.core.durations), or negative
    │   ├── ScheduleError           a cron expression, timezone or schedule argument
    │   ├── PolicyError             a revisit policy that cannot be parsed
    │   └── VersionError            a version of a page that does not exist
    ├── StorageError                (see storage.errors)
    ├── CaptureError                a fetch that must not or cannot happen
    │   └── BlockedTarget           a private or loopback address refused by the guard
    ├── CrawlError                  a crawl that cannot start or run
    │   ├── CrawlStartError         nothing to resume, the same crawl already running
    │   └── FrontierError           the shared Redis frontier cannot be used
    ├── ExtractionError             the extractor failed on a page
    ├── SchedulingError             the scheduler cannot run
    └── JobError                    an archive-now job of the web app that could not run or finish

Every error is turned into an exit code by ``archiver.cli.main`` and into an HTTP answer by
the web app's one exception handler, each from the class's ``exit_code`` / ``http_status``.
"""

from __future__ import annotations

from storage.errors import (
    ArchiverError,
    CatalogueError,
    ConfigError,
    CorruptRecord,
    NotFoundError,
    RecordNotFound,
    SearchQueryError,
    StorageError,
    UsageError,
    WarcError,
    WarcWriteError,
)

__all__ = [
    "ArchiverError",
    "CaptureError",
    "CatalogueError",
    "ConfigError",
    "CorruptRecord",
    "CrawlError",
    "ExtractionError",
    "JobError",
    "NotFoundError",
    "RecordNotFound",
    "SchedulingError",
    "SearchQueryError",
    "StorageError",
    "UsageError",
    "WarcError",
    "WarcWriteError",
]


class CaptureError(ArchiverError):
    """A fetch that must not, or cannot, happen."""


class CrawlError(ArchiverError):
    """A crawl that cannot start or run."""


class ExtractionError(ArchiverError):
    """The extractor failed on a page."""


class SchedulingError(ArchiverError):
    """The scheduler cannot run (its settings, its lease, its child processes)."""


class JobError(ArchiverError):
    """An archive-now job of the web app that could not run or finish.

    ``http_status`` is set per job (a refused target is 422, a timeout 504, ...).
    """
