"""Read RSS 2.0 and Atom feeds into entries with absolute links and their metadata.

Links are resolved against ``xml:base`` (Atom) and then the feed's own URL, so relative
links work. Parsing uses lxml with entities and network access off.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree

from spiders.params import parse_datetime

__all__ = ["FeedEntry", "parse_feed"]

_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True)
class FeedEntry:
    """One RSS ``<item>`` or Atom ``<entry>``."""

    link: str
    title: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None

    @property
    def newest(self) -> datetime | None:
        """The latest of the published and updated dates."""
        dates = [d for d in (self.published, self.updated) if d is not None]
        return max(dates) if dates else None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is not None:
        return parsed
    try:  # RFC 822, as RSS 2.0 writes dates
        result = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parse_datetime(result.isoformat())


def _base(element: etree._Element, feed_url: str) -> str:
    """The base URL in effect at ``element``: nested ``xml:base`` values resolved outward in."""
    bases = [e.get(_XML_BASE) for e in [element, *element.iterancestors()] if e.get(_XML_BASE)]
    base = feed_url
    for value in reversed(bases):
        base = urljoin(base, value)
    return base


def parse_feed(xml: bytes, feed_url: str) -> Iterator[FeedEntry]:
    """The entries of an RSS 2.0 (or 0.9x/1.0) or Atom feed, links made absolute."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError:
        return
    if root is None:
        return
    for element in root.iter():
        name = _local(element.tag)
        if name == "item":
            entry = _rss_item(element, feed_url)
        elif name == "entry":
            entry = _atom_entry(element, feed_url)
        else:
            continue
        if entry is not None:
            yield entry


def _children(element: etree._Element) -> dict[str, list[etree._Element]]:
    found: dict[str, list[etree._Element]] = {}
    for child in element:
        found.setdefault(_local(child.tag), []).append(child)
    return found


def _rss_item(element: etree._Element, feed_url: str) -> FeedEntry | None:
    children = _children(element)
    link = _text(children.get("link", [None])[0])
    if not link:
        guid = children.get("guid", [None])[0]
        if guid is not None and guid.get("isPermaLink", "true").lower() == "true":
            link = _text(guid)
    if not link:
        return None
    authors = [a for a in (_text(e) for e in children.get("creator", []) + children.get("author", [])) if a]
    return FeedEntry(
        link=urljoin(_base(element, feed_url), link),
        title=_text(children.get("title", [None])[0]),
        published=_date(_text((children.get("pubDate") or children.get("date") or [None])[0])),
        updated=None,
        authors=authors,
        summary=_text(children.get("description", [None])[0]),
    )


def _atom_entry(element: etree._Element, feed_url: str) -> FeedEntry | None:
    children = _children(element)
    href = None
    for link in children.get("link", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            href = urljoin(_base(link, feed_url), link.get("href"))
            break
    if not href:
        return None
    authors = [a for a in (_text(_children(e).get("name", [None])[0]) for e in children.get("author", [])) if a]
    return FeedEntry(
        link=href,
        title=_text(children.get("title", [None])[0]),
        published=_date(_text(children.get("published", [None])[0])),
        updated=_date(_text(children.get("updated", [None])[0])),
        authors=authors,
        summary=_text((children.get("summary") or children.get("content") or [None])[0]),
    )
