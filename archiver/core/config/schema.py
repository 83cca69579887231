"""Every user-facing ``ARCHIVER_*`` setting, declared once: its section, key, kind and help.

The defaults are those of :mod:`archiver.settings` (the Scrapy settings module), so there is
one place for them. A setting is given, highest first, as a command-line option (or
``-s NAME=VALUE``), an environment variable of its name, a key of its section in
``ARCHIVE/archiver.toml``, or left at its default (see :mod:`archiver.core.config.loader`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SECTIONS", "SETTINGS", "Setting", "by_name"]

SECTIONS = ("storage", "crawl", "web", "watch", "scheduler")


@dataclass(frozen=True)
class Setting:
    """One setting: ``name`` (the variable and Scrapy setting), ``section`` and ``key`` (in archiver.toml).

    ``kind`` says what values it takes: ``str``, ``int``, ``float``, ``bool``, ``size``
    (``500MB``), ``duration`` (``90s``, ``1h30m``, ``2w``), ``path``; ``optional`` allows an
    empty value (none). ``minimum`` bounds numbers. ``file`` False: not settable in the file
    (the home, which holds the file).
    """

    name: str
    section: str
    key: str
    kind: str
    help: str
    optional: bool = False
    minimum: float | None = None
    file: bool = True

    def allowed(self) -> str:
        """What values are allowed, in words (for error messages)."""
        words = {
            "str": "a string", "int": "a whole number", "float": "a number", "bool": "true or false",
            "size": "a size such as 500MB or 2G", "duration": "a duration such as 90s, 30m, 1h30m, 1d or 2w",
            "path": "a directory path",
        }[self.kind]
        if self.minimum is not None:
            words += f" of at least {self.minimum:g}"
        return words + (" (or empty)" if self.optional else "")


def _s(name: str, section: str, key: str, kind: str, help: str, **kw: object) -> Setting:
    return Setting(name=name, section=section, key=key, kind=kind, help=help, **kw)  # type: ignore[arg-type]


SETTINGS: tuple[Setting, ...] = (
    # storage
    _s("ARCHIVER_HOME", "storage", "home", "path", "the archive directory", file=False),
    _s("ARCHIVER_DATABASE_URL", "storage", "database_url", "str",
       "SQLAlchemy URL of the catalogue (default: the home's catalogue.sqlite)", optional=True),
    _s("ARCHIVER_WARC_DIR", "storage", "warc_dir", "path", "where WARC files go (default: the home's warcs/)",
       optional=True),
    _s("ARCHIVER_WARC_PREFIX", "storage", "warc_prefix", "str", "WARC file name prefix"),
    _s("ARCHIVER_WARC_MAX_SIZE", "storage", "warc_max_size", "size", "rotate WARC files after this size"),
    _s("ARCHIVER_WARC_FSYNC_INTERVAL", "storage", "fsync_interval", "float",
       "seconds between fsyncs of the open WARC file (0: every record)", minimum=0),
    # crawl (capture, limits, extraction and crawling)
    _s("ARCHIVER_CONTACT", "crawl", "contact", "str", "an e-mail or URL for the User-Agent", optional=True),
    _s("ARCHIVER_RECRAWL_AFTER", "crawl", "recrawl_after", "duration",
       "a page archived more recently is not fetched again"),
    _s("ARCHIVER_INCREMENTAL_ENABLED", "crawl", "incremental", "bool", "skip recently archived pages"),
    _s("ARCHIVER_MAX_PAGES", "crawl", "max_pages", "int", "stop a crawl after this many pages (0: no limit)",
       minimum=0),
    _s("ARCHIVER_MIN_FREE", "crawl", "min_free", "size",
       "stop a crawl when less than this is free where the archive is written (0: no floor)", minimum=0),
    _s("ARCHIVER_MAX_BODY_SIZE", "crawl", "max_body_size", "size", "keep at most this much of each body"),
    _s("ARCHIVER_MAX_DECODED_BYTES", "crawl", "max_decoded_bytes", "size",
       "decode a compressed body up to this size; past it, archive it as received and flag it decoded-limit"),
    _s("ARCHIVER_MAX_DOWNLOAD_TIME", "crawl", "max_download_time", "float",
       "seconds after which a body is cut (default: 90% of the download timeout)", optional=True, minimum=0),
    _s("ARCHIVER_REQUISITES_ENABLED", "crawl", "requisites", "bool",
       "fetch the page requisites (images, stylesheets, fonts) of archived pages"),
    _s("ARCHIVER_REQUISITES_MAX", "crawl", "requisites_max", "int", "page requisites fetched per page", minimum=0),
    _s("ARCHIVER_REQUISITE_MAX_BYTES", "crawl", "requisite_max_bytes", "size",
       "keep at most this much of each page requisite"),
    _s("ARCHIVER_REQUISITES_OBEY_ROBOTS", "crawl", "requisites_obey_robots", "bool",
       "obey robots.txt for page requisites when the crawl obeys it"),
    _s("ARCHIVER_SCREENSHOT", "crawl", "screenshot", "bool",
       "archive screenshots each archived page as replayed from the archive (needs Chromium)"),
    _s("ARCHIVER_SCREENSHOT_TIMEOUT", "crawl", "screenshot_timeout", "float",
       "seconds one page's screenshot may take", minimum=0.1),
    _s("ARCHIVER_EXTRACT_ENABLED", "crawl", "extract", "bool", "extract articles while crawling"),
    _s("ARCHIVER_EXTRACT_WORKERS", "crawl", "extract_workers", "int",
       "extraction worker processes (0: extract in a thread)", minimum=0),
    _s("ARCHIVER_EXTRACT_TIMEOUT", "crawl", "extract_timeout", "float",
       "seconds one page's extraction may take (0: no limit)", minimum=0),
    _s("ARCHIVER_BROWSER", "crawl", "browser", "str",
       "render pages in Chromium: never, auto (script-built pages without an article) or always"),
    _s("ARCHIVER_BROWSER_SITES", "crawl", "browser_sites", "str",
       "hosts whose pages auto always renders (comma-separated)", optional=True),
    _s("ARCHIVER_BROWSER_PAGES", "crawl", "browser_pages", "int", "pages rendered in the browser at once",
       minimum=1),
    _s("ARCHIVER_BROWSER_PAGE_TIMEOUT", "crawl", "browser_page_timeout", "float",
       "seconds one page may take in the browser", minimum=1),
    _s("ARCHIVER_BROWSER_MEMORY_MB", "crawl", "browser_memory_mb", "int",
       "V8 heap cap of the browser in MB (0: none)", minimum=0),
    _s("ARCHIVER_BROWSER_MIN_WORDS", "crawl", "browser_min_words", "int",
       "a static article shorter than this counts as none for auto", minimum=0),
    _s("ARCHIVER_BROWSER_EXECUTABLE", "crawl", "browser_executable", "str",
       "the Chromium executable (default: chromium on PATH)", optional=True),
    _s("ARCHIVER_CRAWL_PATTERN_CAP", "crawl", "pattern_cap", "int",
       "index pages of one URL shape followed by a site crawl", minimum=1),
    _s("ARCHIVER_CRAWL_MAX_QUERY_PARAMS", "crawl", "max_query_params", "int",
       "query arguments past which a link is not followed", minimum=0),
    _s("ARCHIVER_CRAWL_MAX_URL_LENGTH", "crawl", "max_url_length", "int",
       "URL length past which a link is not followed", minimum=1),
    _s("ARCHIVER_CRAWL_FLUSH_INTERVAL", "crawl", "flush_interval", "float",
       "seconds between saves of a running crawl's counts", minimum=0),
    _s("ARCHIVER_REDIS_URL", "crawl", "redis_url", "str", "the shared Redis frontier of a distributed crawl",
       optional=True),
    # web
    _s("ARCHIVER_API_TOKEN", "web", "api_token", "str", "bearer token of the API's write endpoints", optional=True),
    _s("ARCHIVER_ALLOW_PRIVATE_TARGETS", "web", "allow_private_targets", "str",
       "private addresses archive-now may fetch (true, or a list of addresses and networks)", optional=True),
    _s("ARCHIVER_API_ARCHIVE_TIMEOUT", "web", "archive_timeout", "float",
       "seconds one archive-now job may take", minimum=0),
    # watch
    _s("ARCHIVER_WATCH_ENABLED", "watch", "enabled", "bool", "plan revisits and record edits"),
    _s("ARCHIVER_REVISIT_POLICY", "watch", "revisit_policy", "str",
       "revisit offsets after a page's first article (e.g. 1h,6h,1d,7d; off: never)", optional=True),
    _s("ARCHIVER_REVISIT_BATCH", "watch", "revisit_batch", "int", "URLs of one site per revisit run", minimum=1),
    _s("ARCHIVER_WEBHOOK_URL", "watch", "webhook_url", "str", "POST each detected change here", optional=True),
    _s("ARCHIVER_WEBHOOK_ATTEMPTS", "watch", "webhook_attempts", "int", "attempts before a delivery is given up",
       minimum=1),
    _s("ARCHIVER_WEBHOOK_BACKOFF", "watch", "webhook_backoff", "float", "seconds before the first webhook retry",
       minimum=0),
    # scheduler
    _s("ARCHIVER_SCHEDULER_COMMAND", "scheduler", "command", "str", "what a scheduled run executes"),
    _s("ARCHIVER_SCHEDULER_POLL", "scheduler", "poll", "float", "seconds between looks for due schedules",
       minimum=0.001),
    _s("ARCHIVER_SCHEDULER_MAX_RUNS", "scheduler", "max_runs", "int", "runs at once per scheduler", minimum=1),
    _s("ARCHIVER_SCHEDULER_LEASE", "scheduler", "lease", "float", "seconds a schedule's lease lasts",
       minimum=0.001),
    _s("ARCHIVER_SCHEDULER_STOP_GRACE", "scheduler", "stop_grace", "float",
       "seconds a stopped run gets to close before it is killed", minimum=0),
    _s("ARCHIVER_SCHEDULE_FAILURE_FLAG", "scheduler", "failure_flag", "int",
       "flag a schedule whose last N runs failed", minimum=1),
)

_BY_NAME = {setting.name: setting for setting in SETTINGS}


def by_name(name: str) -> Setting | None:
    """The setting called ``name`` (``ARCHIVER_...``), or None."""
    return _BY_NAME.get(name)
