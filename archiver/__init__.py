"""The article archiver: CLI, configuration, Scrapy components and extraction.

Uses :mod:`spiders` to discover URLs and :mod:`storage` to keep what was fetched. The layers
inside it, and the rule for what may import what, are in ARCHITECTURE.md.
"""

__version__ = "0.1.0"
