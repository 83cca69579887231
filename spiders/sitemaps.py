"""Read sitemaps: ``urlset`` and ``sitemapindex`` files, gzipped or not, Google News fields.

Parsing is streaming (lxml ``iterparse``) with entities and network access off, so a hostile
sitemap can neither expand entities nor make the parser fetch anything. ``Sitemap:`` lines of
robots.txt are read with Scrapy's own helper.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO

from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import sitemap_urls_from_robots

from spiders.params import parse_datetime

__all__ = ["SitemapEntry", "is_gzip", "parse_sitemap", "sitemap_body", "sitemap_urls_from_robots"]

GZIP_MAGIC = b"\x1f\x8b"
#: A decompressed sitemap may hold at most this many bytes (the protocol allows 50 MB).
MAX_SITEMAP_SIZE = 100 * 2**20


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` (``is_sitemap`` False) or ``<sitemap>`` (True) of a sitemap file.

    ``published`` and ``title`` come from a Google News ``<news:news>`` block, when present.
    """

    loc: str
    is_sitemap: bool = False
    lastmod: datetime | None = None
    published: datetime | None = None
    title: str | None = None

    @property
    def newest(self) -> datetime | None:
        """The latest of lastmod and the news publication date (what a ``since`` filter compares)."""
        dates = [d for d in (self.lastmod, self.published) if d is not None]
        return max(dates) if dates else None


def is_gzip(body: bytes) -> bool:
    """True when ``body`` starts with the gzip magic number."""
    return body[:2] == GZIP_MAGIC


def sitemap_body(body: bytes) -> bytes:
    """The XML of a sitemap response body, gunzipped when it is a ``.xml.gz`` file."""
    if is_gzip(body):
        return gunzip(body, max_size=MAX_SITEMAP_SIZE)
    return body


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _text(element: etree._Element) -> str:
    return (element.text or "").strip()


def parse_sitemap(xml: bytes) -> Iterator[SitemapEntry]:
    """The entries of a sitemap or sitemap index, in document order (bad XML yields what parsed)."""
    events = etree.iterparse(BytesIO(xml), events=("end",), recover=True, resolve_entities=False,
                             no_network=True, remove_comments=True, remove_pis=True, huge_tree=False)
    try:
        for _event, element in events:
            name = _local(element.tag)
            if name not in ("url", "sitemap"):
                continue
            entry = _entry(element, is_sitemap=name == "sitemap")
            element.clear()
            if entry is not None:
                yield entry
    except etree.XMLSyntaxError:
        return


def _entry(element: etree._Element, *, is_sitemap: bool) -> SitemapEntry | None:
    loc = lastmod = published = title = None
    for child in element:
        name = _local(child.tag)
        if name == "loc":
            loc = _text(child)
        elif name == "lastmod":
            lastmod = parse_datetime(_text(child))
        elif name == "news":
            for field in child.iter():
                field_name = _local(field.tag)
                if field_name == "publication_date":
                    published = parse_datetime(_text(field))
                elif field_name == "title":
                    title = _text(field) or None
    if not loc:
        return None
    return SitemapEntry(loc=loc, is_sitemap=is_sitemap, lastmod=lastmod, published=published, title=title)
