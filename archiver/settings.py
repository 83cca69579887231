"""Scrapy settings of the archiver (``scrapy.cfg`` points here), grouped by concern: all the defaults.

Every user-facing ``ARCHIVER_*`` setting (declared in :mod:`archiver.core.config.schema`) can
also be given, highest first, as ``-s NAME=VALUE`` or a command-line option, an environment
variable of the same name, or a key of ``ARCHIVE/archiver.toml`` (:mod:`archiver.core.config`).
"""

from archiver import __version__

BOT_NAME = "archiver"

# --- Storage (storage.config) --------------------------------------------------------------
ARCHIVER_HOME = "archive"              # the archive directory, under the current directory
ARCHIVER_DATABASE_URL = None           # None: sqlite:///<home>/catalogue.sqlite
ARCHIVER_WARC_DIR = None               # None: <home>/warcs
ARCHIVER_WARC_PREFIX = "ARCHIVER"
ARCHIVER_WARC_MAX_SIZE = "1GB"         # rotate WARC files after this size
ARCHIVER_WARC_FSYNC_INTERVAL = 5.0     # seconds between fsyncs of the open file (0: every record)
ARCHIVER_MIN_FREE = "1GB"              # a crawl stops when less is free on the archive's disk (0: off)
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity and politeness -------------------------------------------------------------
USER_AGENT = f"news-archiver/{__version__} (+https://github.com/news-archiver/news-archiver)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True
# Neither console: each would let whoever gets its credentials run code in the crawler (Scrapy
# 2.19's remote control is an HTTP server that runs the Python it is sent). Crawls report
# through their progress bar, --json lines and the catalogue's crawl_runs instead.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# warcio cannot decode zstd and crashes on br with Scrapy's brotli module: ask only for what
# every web-archive tool can read back (see shared FIELD-NOTES).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}

# --- Capture ------------------------------------------------------------------------------
# Scrapy's HTTP/1.1 handler, which also records each response's status line and headers as
# received, so the WARC keeps those bytes (archiver.crawler.download_handler). With another
# handler the capture still works, with heads rebuilt from the parsed headers.
DOWNLOAD_HANDLERS = {
    "http": "archiver.crawler.download_handler.RawHeadDownloadHandler",
    "https": "archiver.crawler.download_handler.RawHeadDownloadHandler",
}
# Above RedirectMiddleware (600) and below HttpCacheMiddleware (900): the capture middleware
# sees every exchange as it came off the wire, still compressed, each hop and retry.
# The limits middleware sits just outside it: it trims a stopped body before it is archived.
DOWNLOADER_MIDDLEWARES = {
    "archiver.crawler.capture.limits.DownloadLimitsMiddleware": 890,
    "archiver.crawler.capture.middleware.WarcCaptureMiddleware": 880,
    # Scrapy's decoder is bounded only by DOWNLOAD_MAXSIZE (1 GiB): ours stops at ARCHIVER_MAX_DECODED_BYTES.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "archiver.crawler.capture.decompression.BoundedDecompressionMiddleware": 590,
    # Outside both: a refused target (archiver.crawler.capture.targets) is never fetched nor archived.
    "archiver.crawler.capture.targets.TargetGuardMiddleware": 895,
    # Outermost: below ARCHIVER_MIN_FREE free on the archive's disk, nothing more is sent.
    "archiver.crawler.capture.free_space.FreeSpaceMiddleware": 898,
    # Below Retry (550) and Redirect (600): sees each page's final, archived answer (see Requisites below).
    "archiver.crawler.requisites.middleware.RequisitesMiddleware": 540,
}
# Writes a spider's "not an article" decision to the WARC, for reindex (archiver.crawler.page_kind).
SPIDER_MIDDLEWARES = {
    "archiver.crawler.page_kind.PageKindMiddleware": 100,
}
ARCHIVER_PAGE_KIND_ENABLED = True
ITEM_PIPELINES = {
    "archiver.crawler.pipelines.ExtractionPipeline": 300,
    # After extraction (it looks at the static article), before the watch: pages needing JavaScript.
    "archiver.crawler.browser.lane.BrowserLanePipeline": 350,
    "archiver.crawler.changes.pipeline.WatchPipeline": 400,  # after extraction: revisit plans and change rows
}
# Scrapy drops longer URLs (default 2083, an old browser's limit) before fetching them; news sites
# and trackers make longer ones, and a page asked for by URL should be archived: 16 KiB, as
# common HTTP servers accept (a longer one is refused in one line by `archive`).
URLLENGTH_LIMIT = 16384
# A body cut short still reaches the capture middleware (flagged) and is kept as truncated.
DOWNLOAD_FAIL_ON_DATALOSS = False
# 404s and 500s are captures too: let them through to the spider.
HTTPERROR_ALLOW_ALL = True

ARCHIVER_WARC_ENABLED = True
ARCHIVER_EXTRACT_ENABLED = True
ARCHIVER_EXTRACT_WORKERS = 2
# Seconds one page's extraction may take (worker start-up included); then the workers are
# replaced and the capture keeps no article. 0: no limit.
ARCHIVER_EXTRACT_TIMEOUT = 60.0

# --- Limits (archiver.crawler.capture.limits) ----------------------------------------------------
# A page that is huge or slow must never stall a crawl or fill the memory: keep the first
# ARCHIVER_MAX_BODY_SIZE bytes (WARC-Truncated: length), and when body bytes arrive after
# ARCHIVER_MAX_DOWNLOAD_TIME seconds keep what came (WARC-Truncated: time). None: 90% of the
# request's DOWNLOAD_TIMEOUT; 0 switches either limit off. A server that sends nothing more at
# all still ends in DOWNLOAD_TIMEOUT's plain timeout error. Scrapy's DOWNLOAD_MAXSIZE (1 GiB)
# stays above ARCHIVER_MAX_BODY_SIZE as a backstop; decoding is bounded by ARCHIVER_MAX_DECODED_BYTES.
ARCHIVER_LIMITS_ENABLED = True
ARCHIVER_MAX_BODY_SIZE = "50MB"
ARCHIVER_MAX_DOWNLOAD_TIME = None
# A compressed body is decoded up to this size (archiver.crawler.capture.decompression); past it the
# exchange is archived as received, flagged decoded-limit, and nothing of it is decoded. 0: no limit.
ARCHIVER_MAX_DECODED_BYTES = "64MB"
# Scrapy's warning for bodies over 32 MiB says nothing the limits middleware does not.
DOWNLOAD_WARNSIZE = 0
# One redirect more than this is not followed: its response is kept, with an error recorded.
REDIRECT_MAX_TIMES = 20

# --- Page requisites (archiver.crawler.requisites) ---------------------------------------------
# Images, stylesheets (and what they import), fonts, scripts and posters of each archived HTML
# page, fetched through the same downloader and capture middleware and linked to the page.
# archiver archive and the API's archive-now switch it on (--no-requisites); archiver crawl
# with --requisites; schedules through their crawl options.
ARCHIVER_REQUISITES_ENABLED = False
ARCHIVER_REQUISITES_MAX = 150             # requisites fetched per page; the rest are listed as missing
ARCHIVER_REQUISITE_MAX_BYTES = "25MB"     # a requisite's body is cut here (WARC-Truncated: length)
# robots.txt is obeyed for requisites whenever the crawl obeys it (ROBOTSTXT_OBEY), as Heritrix
# does; False fetches them whatever robots.txt says.
ARCHIVER_REQUISITES_OBEY_ROBOTS = True

# --- Screenshots of archived pages (archiver.services.screenshots) -------------------------------
# archiver archive (and the API's archive-now) screenshots each archived HTML page as replayed
# from the archive alone, with Chromium (no live traffic); --no-screenshot or false turns it off.
ARCHIVER_SCREENSHOT = True
ARCHIVER_SCREENSHOT_TIMEOUT = 30.0        # seconds one page's screenshot may take

# --- Target guard (archiver.crawler.capture.targets) --------------------------------------------
# archiver serve turns it on for the crawls it starts: every request (each redirect hop too) and
# every response must be on a public address, unless ARCHIVER_ALLOW_PRIVATE_TARGETS allows it
# (true, or a list of addresses, networks and address:port pairs).
ARCHIVER_TARGET_GUARD_ENABLED = False
ARCHIVER_ALLOW_PRIVATE_TARGETS = ""

# --- Browser lane (archiver.crawler.browser) -----------------------------------------------
# Pages built by their scripts, rendered in Chromium (Debian's `chromium`, driven through Playwright)
# whose every request goes through this downloader. never | auto | always: auto renders a page whose
# static capture gave no article (or one under ARCHIVER_BROWSER_MIN_WORDS words) and looks script-built
# (archiver.extraction.scripted), or whose host is listed in ARCHIVER_BROWSER_SITES. `archiver archive`
# and the API default to auto, `archiver crawl` to never.
ARCHIVER_BROWSER = "never"
ARCHIVER_BROWSER_SITES = ""             # hosts always rendered in auto (comma-separated; subdomains too)
ARCHIVER_BROWSER_PAGES = 2              # pages rendered at once (one browser per process)
ARCHIVER_BROWSER_PAGE_TIMEOUT = 60.0    # seconds one page may take in the browser; then it is an error
ARCHIVER_BROWSER_MEMORY_MB = 1024       # V8 heap cap of the browser (--max-old-space-size); 0: none
ARCHIVER_BROWSER_MIN_WORDS = 80         # an article shorter than this counts as none in auto
ARCHIVER_BROWSER_EXECUTABLE = None      # None: chromium, chromium-browser or google-chrome on PATH

# --- Web app (archiver serve) ------------------------------------------------------------
ARCHIVER_API_TOKEN = None              # bearer token of the write endpoints; None disables them
ARCHIVER_API_ARCHIVE_TIMEOUT = 300.0   # seconds one archive-now job may take

# --- Logging ----------------------------------------------------------------------------------
# Level of Scrapy's own loggers (scrapy.*), when it should differ from LOG_LEVEL. The commands set
# CRITICAL unless -v: a failed fetch is reported once, in the result line and the run's counts,
# not a second time as Scrapy's "Gave up retrying" line or traceback. None: LOG_LEVEL.
ARCHIVER_SCRAPY_LOG_LEVEL = None

# Crawl run bookkeeping: the CLI creates the run and passes its id; otherwise one is started.
ARCHIVER_RUN_ID = None
ARCHIVER_RUN_KIND = "crawl"

# --- Crawling (archiver crawl; archiver.crawler.crawl) -------------------------------------------
# Put in the User-Agent so site owners can reach you: an e-mail address or a URL.
ARCHIVER_CONTACT = None
# A page whose latest capture is younger than this is not fetched again (unless --refresh);
# an older one is asked for with If-None-Match / If-Modified-Since. Seconds or 30m, 12h, 1d, 2w, 1h30m.
ARCHIVER_RECRAWL_AFTER = "1d"
ARCHIVER_INCREMENTAL_ENABLED = True
ARCHIVER_REFRESH = False
ARCHIVER_MAX_PAGES = 0                  # 0: no limit (--max-pages)
# Trap guards of link-following crawls (spiders.scope): index pages of one URL shape before the
# shape is no longer followed, query arguments and URL length past which a link is not followed.
ARCHIVER_CRAWL_PATTERN_CAP = 50
ARCHIVER_CRAWL_MAX_QUERY_PARAMS = 3
ARCHIVER_CRAWL_MAX_URL_LENGTH = 500
ARCHIVER_CRAWL_FLUSH_INTERVAL = 5.0     # seconds between writes of a running crawl's counts
ARCHIVER_CRAWL_REPORT_ENABLED = False   # archiver crawl switches the run report on
ARCHIVER_REDIS_URL = None               # a shared Redis frontier (archiver crawl --frontier)

# --- Silent-edit watch (archiver.services.watch) ----------------------------------------------------
# After a page's first article, fetch it again at these offsets (then stop); "off": never.
# Set per crawl or schedule with -s.
ARCHIVER_WATCH_ENABLED = True
ARCHIVER_REVISIT_POLICY = "1h,6h,1d,7d"
ARCHIVER_REVISIT_BATCH = 50            # URLs of one site per revisit run (archiver scheduler)
# POST each detected change here as JSON (None: no webhook).
ARCHIVER_WEBHOOK_URL = None
ARCHIVER_WEBHOOK_ATTEMPTS = 6          # attempts before a delivery is given up
ARCHIVER_WEBHOOK_BACKOFF = 30.0        # seconds before the first retry, doubled each time (at most 1 h)

# --- Scheduler (archiver scheduler, archiver schedule) -----------------------------------
# An environment variable of the same name overrides each of these (archiver.services.scheduling.config).
# What a scheduled run executes, followed by the schedule's arguments.
ARCHIVER_SCHEDULER_COMMAND = "archiver crawl"
ARCHIVER_SCHEDULER_POLL = 30.0         # seconds between looks for due schedules
ARCHIVER_SCHEDULER_MAX_RUNS = 4        # runs at once per scheduler process
ARCHIVER_SCHEDULER_LEASE = 120.0       # seconds a schedule's lease lasts unless renewed (every third of it)
ARCHIVER_SCHEDULER_STOP_GRACE = 30.0   # seconds a stopped run gets to close before it is killed
ARCHIVER_SCHEDULE_FAILURE_FLAG = 3     # `schedule list` flags a schedule whose last N runs failed
