"""Every read of the catalogue. Nothing outside this module builds a query.

Functions take an open :class:`~sqlalchemy.orm.Session` and return ORM objects (or plain
values); the CLI and the web layer only format what they get.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import case, delete, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from storage.catalogue.models import Article, Capture, CrawlRun
from storage.errors import CatalogueError

__all__ = [
    "clear_captures",
    "articles_with_conversion_in",
    "captures_in_warc_file",
    "catalogued_record_ids",
    "capture_by_record_id",
    "article_for_capture",
    "captures_in_run",
    "captures_of_url",
    "captures_with_location",
    "count_captures",
    "first_capture_with_digest",
    "full_text_search",
    "get_capture",
    "get_run",
    "latest_capture",
]


def get_capture(session: Session, capture_id: int) -> Capture | None:
    """The capture with this id (with its article loaded), or None."""
    return session.scalars(
        select(Capture).options(selectinload(Capture.article)).where(Capture.id == capture_id)
    ).first()


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    """The crawl run with this id, or None."""
    return session.get(CrawlRun, run_id)


def _matches_url(url: str):  # noqa: ANN202 - SQL expression
    return or_(Capture.url == url, Capture.requested_url == url)


def latest_capture(session: Session, url: str) -> Capture | None:
    """The latest capture of ``url``, found by its own URL or by the URL that redirected to it.

    A capture that ends a chain (not a redirect hop, not a failure) wins over hops and
    failures made at the same time or later; among equals the newest wins.
    """
    is_final = case(
        (Capture.error.is_not(None), 0),
        (Capture.redirect_location.is_not(None), 1),
        else_=2,
    )
    return session.scalars(
        select(Capture)
        .options(selectinload(Capture.article))
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
    session.execute(update(Capture).values(revisit_of_id=None))
    session.execute(delete(Capture))
    return count


def article_for_capture(session: Session, capture_id: int) -> Article | None:
    """The article extracted from a capture, or None."""
    return session.scalars(select(Article).where(Article.capture_id == capture_id)).first()


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
    """Articles matching ``query`` in title, authors or text, best first.

    On SQLite this uses the FTS5 index (bm25, title weighted over author over body); on other
    databases a plain case-insensitive substring match until their own index is added.
    """
    query = query.strip()
    if not query:
        return []
    if session.get_bind().dialect.name == "sqlite":
        try:
            ids = session.execute(
                text(
                    "SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q "
                    "ORDER BY bm25(articles_fts, 10.0, 5.0, 1.0) LIMIT :limit"
                ),
                {"q": query, "limit": limit},
            ).scalars().all()
        except OperationalError as exc:  # FTS5 syntax errors surface here
            raise CatalogueError(f"bad search query {query!r}: {exc.orig}") from exc
        if not ids:
            return []
        articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        return [articles[i] for i in ids if i in articles]
    pattern = f"%{query}%"
    return session.scalars(
        select(Article)
        .where(or_(Article.title.ilike(pattern), Article.author.ilike(pattern), Article.text.ilike(pattern)))
        .order_by(Article.id.desc())
        .limit(limit)
    ).all()
