"""Catalogue reads about extraction: which captures to extract again, and how well sites extract.

Beside :mod:`storage.catalogue.queries` (which owns the other reads), used by
``archiver reextract`` and ``archiver stats --extraction``. The CLI never builds SQL.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, Select, String, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from storage.catalogue.capture_flags import BLOCKED
from storage.catalogue.hosts import host_key_condition
from storage.catalogue.models import Article, Capture

__all__ = ["SiteHealth", "articles_copied_from", "extractable_captures", "extraction_health", "host_matches"]


@dataclass(frozen=True)
class SiteHealth:
    """Extraction health of one site: how many 2xx HTML captures lack which field.

    ``empty_body`` counts captures whose article has no text (or that have no article at
    all); ``median_words`` is the median word count over those captures (0 for empty ones).
    ``blocked`` counts the site's captures (of any status) flagged ``blocked``: bot walls or
    challenge pages archived in place of the page, which are never articles.
    """

    host: str
    captures: int
    articles: int
    empty_body: int
    no_title: int
    no_author: int
    no_date: int
    median_words: float
    blocked: int = 0

    def share(self, count: int) -> float:
        """``count`` as a share of the site's captures (0 when there are none)."""
        return count / self.captures if self.captures else 0.0


def _url_host(session: Session) -> ColumnElement[str]:
    """The lower-cased ``host[:port]`` of a capture's URL, as SQL (SQLite or PostgreSQL)."""
    if session.get_bind().dialect.name == "sqlite":
        rest = func.substr(Capture.url, func.instr(Capture.url, "://") + 3, type_=String)
        return func.lower(func.substr(rest, 1, func.instr(rest + "/", "/") - 1, type_=String), type_=String)
    return func.lower(func.substring(Capture.url, "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)", type_=String),
                      type_=String)


def _html_ok() -> ColumnElement[bool]:
    """Captures holding (or repeating) a 2xx HTML response, or an HTML resource (a page a tool stored as it was)."""
    fetched_ok = and_(Capture.status >= 200, Capture.status < 300, Capture.record_type.in_(("response", "revisit")))
    return and_(Capture.content_type.ilike("%html%"), or_(fetched_ok, Capture.record_type == "resource"))


def host_matches(session: Session, host: str) -> ColumnElement[bool]:
    """Captures on ``host`` or its subdomains, on any port unless ``host`` gives one (``www.`` ignored).

    The host goes through the indexed ``captures.host_key``; a port is checked on the URL.
    """
    try:
        parts = urlsplit(f"http://{host.strip().lower()}/")
        name, port = parts.hostname or host, parts.port
    except ValueError:
        name, port = host.strip().lower(), None
    condition = host_key_condition(Capture.host_key, name.removeprefix("www."))
    if port is not None:
        condition = and_(condition, _url_host(session).endswith(f":{port}"))
    return condition


def extractable_captures(session: Session, *, host: str | None = None, since: datetime | None = None,
                         url: str | None = None) -> Sequence[Capture]:
    """Captures whose archived payload can be extracted again, oldest first, articles loaded.

    Those are ``response`` records (revisits share their original's article) with a 2xx HTML
    status, and HTML ``resource`` records, with a WARC location; ``host``, ``since`` (captured at or after) and ``url``
    (requested or final URL) narrow the set.
    """
    statement: Select[Capture] = (
        select(Capture).options(selectinload(Capture.article))
        .where(_html_ok(), Capture.record_type.in_(("response", "resource")), Capture.warc_file.is_not(None),
               Capture.warc_offset.is_not(None))
        .order_by(Capture.id)
    )
    if host:
        statement = statement.where(host_matches(session, host))
    if since is not None:
        statement = statement.where(Capture.fetched_at >= since)
    if url:
        statement = statement.where(or_(Capture.url == url, Capture.requested_url == url))
    return session.scalars(statement).all()


def articles_copied_from(session: Session, capture_id: int) -> Sequence[Article]:
    """Articles of the revisit captures that repeat capture ``capture_id``'s payload."""
    return session.scalars(
        select(Article).join(Capture, Capture.id == Article.capture_id)
        .where(Capture.revisit_of_id == capture_id).order_by(Article.id)
    ).all()


def extraction_health(session: Session, *, host: str | None = None) -> list[SiteHealth]:
    """Per-site extraction health over captures with a 2xx HTML response, most captures first."""
    host_column = _url_host(session).label("host")
    statement = (
        select(host_column, Article.id, Article.title, Article.author, Article.published, Article.word_count,
               Article.text.is_(None) | (Article.text == ""))
        .select_from(Capture).outerjoin(Article, Article.capture_id == Capture.id)
        .where(_html_ok())
    )
    if host:
        statement = statement.where(host_matches(session, host))
    rows: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in session.execute(statement):
        rows[row[0] or ""].append(tuple(row[1:]))
    blocked = _blocked_by_site(session, host_column, host)
    report = []
    for site in blocked.keys() - rows.keys():  # a site that only ever answered with a bot wall
        rows[site] = []
    for site, items in rows.items():
        with_article = [i for i in items if i[0] is not None]
        words = [(i[4] or 0) if i[0] is not None and not i[5] else 0 for i in items]
        report.append(SiteHealth(
            host=site,
            captures=len(items),
            articles=len(with_article),
            empty_body=sum(1 for i in items if i[0] is None or i[5] or not i[4]),
            no_title=sum(1 for i in items if not i[1]),
            no_author=sum(1 for i in items if not i[2]),
            no_date=sum(1 for i in items if not i[3]),
            median_words=float(statistics.median(words)) if words else 0.0,
            blocked=blocked.get(site, 0),
        ))
    return sorted(report, key=lambda s: (-s.captures, -s.blocked, s.host))


def _blocked_by_site(session: Session, host_column: ColumnElement[str], host: str | None) -> dict[str, int]:
    """How many captures of each site are flagged ``blocked`` (flags are few: they are read and counted here)."""
    statement = select(host_column, Capture.flags).where(Capture.flags.is_not(None))
    if host:
        statement = statement.where(host_matches(session, host))
    counts: dict[str, int] = defaultdict(int)
    for site, flags in session.execute(statement):
        if isinstance(flags, list) and BLOCKED in flags:
            counts[site or ""] += 1
    return dict(counts)
