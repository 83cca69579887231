"""The article archiver: CLI, configuration, Scrapy components and extraction.

Uses :mod:`spiders` to discover URLs and :mod:`storage` to keep what was fetched.
"""

import os

__version__ = "0.1.0"

# Scrapy's cookie middleware builds a tldextract instance at import time, which would try to
# download the public suffix list; the list bundled with tldextract is enough, and offline
# runs must not stall or log tracebacks.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
