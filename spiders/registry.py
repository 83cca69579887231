"""The discovery spiders ``archiver crawl`` can run, each declaring its arguments once.

A discovery spider is a Scrapy spider class with a ``name``, a ``target`` (a
:class:`~spiders.params.Param`: the option that selects it and its value, ``--sitemap URL``),
``target_is_file`` (the target is a local file, not a URL) and ``params`` (the other
arguments it takes). :class:`~archiver.crawler.crawl.options.CrawlOptions`, the options of
``archiver crawl`` and the check of a schedule's arguments are all made from these
declarations. Adding a spider is one module plus one line in :data:`BUILTIN` (or a call to
:func:`register`).
"""

from __future__ import annotations

import importlib

from spiders.params import Param

__all__ = ["BUILTIN", "discovery_spider", "discovery_spiders", "register", "spider_params", "unregister"]

#: The built-in discovery spiders, ``module:class``, in the order ``archiver crawl --help`` lists them.
BUILTIN = ("spiders.sitemap:SitemapSpider", "spiders.feed:FeedSpider", "spiders.site:SiteSpider",
           "spiders.urls:UrlsSpider")

_registry: dict[str, type] = {}
_loaded = False


def register(spider: type, *, replace: bool = False) -> type:
    """Add a discovery spider class (usable as a class decorator); raise :class:`ValueError` if malformed."""
    _load()
    name = getattr(spider, "name", None)
    if not name or not str(name).isidentifier():
        raise ValueError(f"{spider!r}: a discovery spider needs a name that is an identifier")
    if not isinstance(getattr(spider, "target", None), Param):
        raise ValueError(f"spider {name!r}: `target` must be a Param (e.g. spiders.urls.url_target(...))")
    if not all(isinstance(param, Param) for param in getattr(spider, "params", ())):
        raise ValueError(f"spider {name!r}: `params` must be a tuple of Param")
    if name in _registry and not replace:
        raise ValueError(f"a discovery spider named {name!r} is already registered")
    _registry[name] = spider
    return spider


def unregister(name: str) -> None:
    """Remove a discovery spider (tests)."""
    _registry.pop(name, None)


def discovery_spiders() -> dict[str, type]:
    """Every registered discovery spider by name, built-ins first."""
    _load()
    return dict(_registry)


def discovery_spider(name: str) -> type | None:
    """The discovery spider called ``name``, or None."""
    _load()
    return _registry.get(name)


def spider_params() -> list[Param]:
    """Every argument some registered spider takes besides its target, each once, in order of first use."""
    seen: dict[str, Param] = {}
    for spider in discovery_spiders().values():
        for param in spider.params:
            seen.setdefault(param.name, param)
    return list(seen.values())


def _load() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for spec in BUILTIN:
        module, _, attr = spec.partition(":")
        register(getattr(importlib.import_module(module), attr))
