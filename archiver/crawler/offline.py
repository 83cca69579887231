"""Crawls that never reach for the network by themselves: tldextract's bundled suffix list only.

Scrapy's cookie middleware builds a ``TLDExtract`` when it is imported; the first cookie then
makes it download the public suffix list (a stall and a logged traceback offline). The list
that ships with tldextract is enough, so the crawler tells that instance to use it alone,
rather than the process changing ``os.environ`` for everyone.
"""

from __future__ import annotations

__all__ = ["use_bundled_suffix_list"]


def use_bundled_suffix_list() -> None:
    """Have Scrapy's cookie handling use tldextract's bundled public suffix list, never a download."""
    from scrapy.downloadermiddlewares import cookies

    extractor = getattr(cookies, "_split_domain", None)
    if extractor is not None and hasattr(extractor, "suffix_list_urls"):
        extractor.suffix_list_urls = ()
