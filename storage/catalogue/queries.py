"""Every read of the catalogue. Nothing outside this module builds a query.

Functions take an open :class:`~sqlalchemy.orm.Session` and return ORM objects (or plain
values). They are storage's own: the application reaches them through the facade,
:class:`storage.catalogue.Catalogue` (``archive.catalogue``), whose methods run them in a
transaction; the CLI and the web layer only format what they get.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    String,
    bindparam,
    case,
    delete,
    distinct,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, selectinload

from storage.catalogue.models import Article, Capture, CrawlRun, RequisiteLink
from storage.catalogue.search import (
    articles_by_ids,
    count_articles,
    is_sqlite,
    search_articles,
    search_ids,
    url_host,
)
from storage.catalogue.search_model import SearchFilters

__all__ = [
    "clear_captures",
    "articles_with_conversion_in",
    "captures_in_warc_file",
    "catalogued_record_ids",
    "capture_by_record_id",
    "article_for_capture",
    "articles_by_ids",
    "captures_by_ids",
    "captures_in_run",
    "captures_of_url",
    "captures_with_location",
    "catalogue_totals",
    "count_captures",
    "counts_by_host",
    "counts_by_language",
    "counts_by_month",
    "first_capture_with_digest",
    "full_text_search",
    "get_capture",
    "get_run",
    "latest_capture",
    "search_articles",
    "count_articles",
    "search_ids",
]


def get_capture(session: Session, capture_id: int) -> Capture | None:
    """The capture with this id (with its article loaded), or None."""
    return session.scalars(
        select(Capture).options(selectinload(Capture.article)).where(Capture.id == capture_id)
    ).first()


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    """The crawl run with this id, or None."""
    return session.get(CrawlRun, run_id)


def _matches_url(url: str) -> ColumnElement[bool]:
    return or_(Capture.url == url, Capture.requested_url == url)


# Built once: a crawl asks one of these for every page, and most answers are "none". Building
# and running the ORM query of the functions below costs about ten times as much.
_ANY_CAPTURE_OF_URL = (select(Capture.id)
                       .where(or_(Capture.url == bindparam("url"), Capture.requested_url == bindparam("url")))
                       .limit(1))
_ANY_CAPTURE_WITH_DIGEST = select(Capture.id).where(Capture.payload_digest == bindparam("digest")).limit(1)


def latest_capture(session: Session, url: str, *, article_fields: bool = True) -> Capture | None:
    """The latest capture of ``url``, found by its own URL or by the URL that redirected to it.

    A capture that ends a chain (not a redirect hop, not a failure) wins over hops and
    failures made at the same time or later; among equals the newest wins. With
    ``article_fields`` False, ``capture.article`` says only whether there is one (its id is
    loaded, not its text): what a crawl asks of every URL it is about to fetch again.
    """
    if session.execute(_ANY_CAPTURE_OF_URL, {"url": url}).first() is None:
        return None
    article = selectinload(Capture.article)
    is_final = case(
        (Capture.error.is_not(None), 0),
        (Capture.redirect_location.is_not(None), 1),
        else_=2,
    )
    return session.scalars(
        select(Capture)
        .options(article if article_fields else article.load_only(Article.id))
        .where(_matches_url(url))
        .order_by(is_final.desc(), Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    ).first()


def captures_of_url(session: Session, url: str) -> Sequence[Capture]:
    """Every capture of ``url`` (as target or as requested URL), oldest first."""
    return session.scalars(
        select(Capture)
        .options(selectinload(Capture.article))
        .where(_matches_url(url))
        .order_by(Capture.fetched_at, Capture.id)
    ).all()


def captures_in_run(session: Session, run_id: int) -> Sequence[Capture]:
    """The captures of one crawl run in the order they were made."""
    return session.scalars(
        select(Capture)
        .options(selectinload(Capture.article))
        .where(Capture.crawl_run_id == run_id)
        .order_by(Capture.id)
    ).all()


def first_capture_with_digest(session: Session, digest: str) -> Capture | None:
    """The earliest complete ``response`` capture whose payload has this digest (for dedup)."""
    if session.execute(_ANY_CAPTURE_WITH_DIGEST, {"digest": digest}).first() is None:
        return None
    return session.scalars(
        select(Capture)
        .where(
            Capture.payload_digest == digest,
            Capture.record_type == "response",
            Capture.truncated.is_(None),
            Capture.warc_file.is_not(None),
        )
        .order_by(Capture.id)
        .limit(1)
    ).first()


def capture_by_record_id(session: Session, record_id: str) -> Capture | None:
    """The capture whose response or revisit record has this WARC-Record-ID."""
    return session.scalars(select(Capture).where(Capture.record_id == record_id).limit(1)).first()


def catalogued_record_ids(session: Session, warc_file: str) -> set[str]:
    """The record ids of every capture (and article conversion) that points into ``warc_file``."""
    ids = set(session.scalars(select(Capture.record_id).where(Capture.warc_file == warc_file)))
    ids |= set(session.scalars(select(Article.conversion_record_id).where(Article.conversion_file == warc_file)))
    return {i for i in ids if i}


def captures_in_warc_file(session: Session, warc_file: str) -> Sequence[Capture]:
    """Every capture whose record lies in ``warc_file``."""
    return session.scalars(select(Capture).where(Capture.warc_file == warc_file).order_by(Capture.id)).all()


def articles_with_conversion_in(session: Session, warc_file: str) -> Sequence[Article]:
    """Every article whose conversion record lies in ``warc_file``."""
    return session.scalars(select(Article).where(Article.conversion_file == warc_file)).all()


def clear_captures(session: Session) -> int:
    """Delete every capture and article (crawl runs and schedules stay); return how many captures went."""
    count = count_captures(session)
    session.execute(delete(Article))
    session.execute(delete(RequisiteLink))
    session.execute(update(Capture).values(revisit_of_id=None))
    session.execute(delete(Capture))
    return count


def article_for_capture(session: Session, capture_id: int) -> Article | None:
    """The article extracted from a capture, or None."""
    return session.scalars(select(Article).where(Article.capture_id == capture_id)).first()


def drop_article_of(session: Session, capture_id: int) -> bool:
    """Remove the article of a capture found not to be one (a bot wall); whether there was one."""
    article = article_for_capture(session, capture_id)
    if article is None:
        return False
    session.delete(article)
    return True


def captures_with_location(session: Session, batch: int = 500) -> Iterator[Capture]:
    """Every capture that points at a WARC record, in id order, streamed in batches."""
    last = 0
    while True:
        rows = session.scalars(
            select(Capture).where(Capture.warc_file.is_not(None), Capture.id > last).order_by(Capture.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def count_captures(session: Session) -> int:
    """How many captures the catalogue holds."""
    return session.scalar(select(func.count()).select_from(Capture)) or 0


def full_text_search(session: Session, query: str, *, limit: int = 20) -> Sequence[Article]:
    """Articles (every version) matching ``query`` in title, authors or text, best first.

    :func:`search_articles` without filters; see there for how each database matches.
    """
    if not query.strip():
        return []
    filters = SearchFilters(query=query, all_versions=True)
    return [hit.article for hit in search_articles(session, filters, limit=limit)]


# ---------------------------------------------------------------------- search
# search_articles, search_ids, articles_by_ids: see storage.catalogue.search (re-exported here).
_url_host = url_host  # the name other modules import


def captures_by_ids(session: Session, capture_ids: Sequence[int]) -> dict[int, Capture]:
    """The captures with these ids (articles loaded), by id; unknown ids are absent."""
    found: dict[int, Capture] = {}
    unique = sorted(set(capture_ids))
    for start in range(0, len(unique), 500):
        found.update((c.id, c) for c in session.scalars(
            select(Capture).options(selectinload(Capture.article)).where(Capture.id.in_(unique[start:start + 500]))))
    return found


# ----------------------------------------------------------------------- stats
def catalogue_totals(session: Session) -> dict[str, int]:
    """Counts of captures (all, failed, revisits), articles, pages with an article, and crawl runs."""
    def count(statement: Select[int]) -> int:
        return session.scalar(statement) or 0

    return {
        "captures": count(select(func.count(Capture.id))),
        "failed": count(select(func.count(Capture.id)).where(Capture.error.is_not(None))),
        "revisits": count(select(func.count(Capture.id)).where(Capture.record_type == "revisit")),
        "articles": count(select(func.count(Article.id))),
        "pages": count(select(func.count(distinct(Capture.url))).join(Article, Article.capture_id == Capture.id)),
        "crawl_runs": count(select(func.count(CrawlRun.id))),
    }


def counts_by_host(session: Session) -> list[tuple[str, int, int, int]]:
    """``(host, captures, articles, pages with an article)`` per host, most captures first."""
    host = url_host(session).label("host")
    rows = session.execute(
        select(host, func.count(Capture.id), func.count(Article.id),
               func.count(distinct(case((Article.id.is_not(None), Capture.url)))))
        .select_from(Capture).outerjoin(Article, Article.capture_id == Capture.id)
        .group_by(host).order_by(func.count(Capture.id).desc(), host)
    ).all()
    return [(row[0] or "", row[1], row[2], row[3]) for row in rows]


def counts_by_language(session: Session) -> list[tuple[str | None, int, int]]:
    """``(language, articles, pages)`` per detected language (None: unknown), most articles first."""
    rows = session.execute(
        select(Article.language, func.count(Article.id), func.count(distinct(Capture.url)))
        .join(Capture, Capture.id == Article.capture_id)
        .group_by(Article.language).order_by(func.count(Article.id).desc(), Article.language)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def counts_by_month(session: Session) -> list[tuple[str, int, int]]:
    """``(YYYY-MM, captures made, articles published)`` per month (UTC), oldest first."""
    captured = dict(session.execute(
        select(month := _month(session, Capture.fetched_at), func.count(Capture.id)).group_by(month)).all())
    published = dict(session.execute(
        select(month := _month(session, Article.published_at), func.count(Article.id))
        .where(Article.published_at.is_not(None)).group_by(month)).all())
    return [(m, captured.get(m, 0), published.get(m, 0)) for m in sorted(set(captured) | set(published)) if m]


def _month(session: Session, column: SQLColumnExpression[Any]) -> ColumnElement[str]:
    if is_sqlite(session):
        return func.strftime("%Y-%m", column, type_=String)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM", type_=String)
