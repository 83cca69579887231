"""Scrapy settings of the archiver (``scrapy.cfg`` points here), grouped by concern.

Every ``ARCHIVER_*`` setting can also be given with ``-s NAME=VALUE`` on the command line.
Storage locations default to the environment (``ARCHIVER_HOME``, ...; see storage.config).
"""

from archiver import __version__

BOT_NAME = "archiver"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- Identity and politeness -------------------------------------------------------------
USER_AGENT = f"news-archiver/{__version__} (+https://github.com/news-archiver/news-archiver)"
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False

# warcio cannot decode zstd and crashes on br with Scrapy's brotli module: ask only for what
# every web-archive tool can read back (see shared FIELD-NOTES).
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
    "Accept-Encoding": "gzip, deflate",
}

# --- Capture ------------------------------------------------------------------------------
# Above RedirectMiddleware (600) and below HttpCacheMiddleware (900): the capture middleware
# sees every exchange as it came off the wire, still compressed, each hop and retry.
DOWNLOADER_MIDDLEWARES = {"archiver.capture.middleware.WarcCaptureMiddleware": 880}
ITEM_PIPELINES = {"archiver.pipelines.ExtractionPipeline": 300}
# A body cut short still reaches the capture middleware (flagged) and is kept as truncated.
DOWNLOAD_FAIL_ON_DATALOSS = False
# 404s and 500s are captures too: let them through to the spider.
HTTPERROR_ALLOW_ALL = True

ARCHIVER_WARC_ENABLED = True
ARCHIVER_EXTRACT_ENABLED = True
ARCHIVER_EXTRACT_WORKERS = 2
# Crawl run bookkeeping: the CLI creates the run and passes its id; otherwise one is started.
ARCHIVER_RUN_ID = None
ARCHIVER_RUN_KIND = "crawl"
