"""The article archiver: CLI, configuration, Scrapy components and extraction.

Uses :mod:`spiders` to discover URLs and :mod:`storage` to keep what was fetched.
"""

__version__ = "0.1.0"
