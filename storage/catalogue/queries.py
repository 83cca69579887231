"""Every read of the catalogue. Nothing outside this module builds a query.

Functions take an open :class:`~sqlalchemy.orm.Session` and return ORM objects (or plain
values); the CLI and the web layer only format what they get.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    String,
    case,
    column,
    delete,
    distinct,
    func,
    literal_column,
    null,
    or_,
    select,
    table,
    true,
    update,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from storage.catalogue.fts_query import column_phrase, to_fts5
from storage.catalogue.models import Article, Capture, CrawlRun
from storage.catalogue.search_model import MARK_END, MARK_START, SearchFilters, SearchHit, Sort, excerpt, lead
from storage.errors import CatalogueError, SearchQueryError

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
    """Articles (every version) matching ``query`` in title, authors or text, best first.

    :func:`search_articles` without filters; see there for how each database matches.
    """
    if not query.strip():
        return []
    filters = SearchFilters(query=query, all_versions=True)
    return [hit.article for hit in search_articles(session, filters, limit=limit)]


# ---------------------------------------------------------------------- search
# SQLite: the external-content FTS5 table of migration 0001 (title, author, text).
_FTS = table("articles_fts", column("rowid"))
_FTS_TABLE = literal_column("articles_fts")  # FTS5 takes the table name as MATCH target and bm25() argument
_BM25_WEIGHTS = (10.0, 5.0, 1.0)  # title over author over body
_SNIPPET_TOKENS = 24
_TEXT_COLUMN = 2


def search_articles(session: Session, filters: SearchFilters, *, limit: int | None = 20,
                    offset: int = 0) -> list[SearchHit]:
    """Articles matching ``filters`` (see :class:`SearchFilters`), best or newest first.

    On SQLite the query and the author filter go through the FTS5 index: bm25 ranking (title
    weighted over authors over body) and a snippet of the text with the matches marked. Other
    databases match the query as a case-insensitive substring until their own index is added.
    A page (final URL) appears once, as its latest capture that matches, unless
    ``filters.all_versions``. A query the index cannot parse raises :class:`SearchQueryError`.
    """
    rows = _run_search(session, filters, limit=limit, offset=offset)
    if not rows:
        return []
    articles = {article.id: article for article in articles_by_ids(session, [row.article_id for row in rows])}
    snippets = _snippets(session, filters, list(articles))
    query = filters.query.strip()
    hits = []
    for row in rows:
        article = articles.get(row.article_id)
        if article is None:
            continue
        snippet = snippets.get(article.id)
        if snippet is None:
            snippet = excerpt(article.text, query) if query and not _is_sqlite(session) else lead(article)
        hits.append(SearchHit(article=article, capture=article.capture, score=row.score,
                              snippet=" ".join(snippet.split())))
    return hits


def search_ids(session: Session, filters: SearchFilters) -> list[tuple[int, int]]:
    """``(article id, capture id)`` of every article matching ``filters``, in result order (for exports)."""
    return [(row.article_id, row.capture_id) for row in _run_search(session, filters, limit=None, offset=0)]


def articles_by_ids(session: Session, article_ids: Sequence[int]) -> list[Article]:
    """The articles with these ids (captures loaded), in the order given; unknown ids are skipped."""
    found: dict[int, Article] = {}
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        found.update((a.id, a) for a in session.scalars(
            select(Article).options(selectinload(Article.capture)).where(Article.id.in_(chunk))))
    return [found[i] for i in article_ids if i in found]


def captures_by_ids(session: Session, capture_ids: Sequence[int]) -> dict[int, Capture]:
    """The captures with these ids (articles loaded), by id; unknown ids are absent."""
    found: dict[int, Capture] = {}
    unique = sorted(set(capture_ids))
    for start in range(0, len(unique), 500):
        found.update((c.id, c) for c in session.scalars(
            select(Capture).options(selectinload(Capture.article)).where(Capture.id.in_(unique[start:start + 500]))))
    return found


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _run_search(session: Session, filters: SearchFilters, *, limit: int | None, offset: int) -> Sequence[Row]:
    statement = _search_statement(session, filters)
    if limit is not None:
        statement = statement.limit(limit)
    if offset:
        statement = statement.offset(offset)
    try:
        return session.execute(statement).all()
    except OperationalError as exc:
        message = str(exc.orig)
        if "fts5" in message or "unterminated string" in message:
            raise SearchQueryError(f"bad search query {filters.query!r}: {message}") from exc
        raise CatalogueError(f"search failed: {message}") from exc


def _fts_expression(filters: SearchFilters) -> str:
    """The FTS5 MATCH expression for the query (and the author filter); '' when there is neither."""
    parts = [to_fts5(filters.query)]
    if filters.author and filters.author.strip():
        parts.append(column_phrase("author", filters.author.strip()))
    parts = [part for part in parts if part]
    return parts[0] if len(parts) == 1 else " AND ".join(f"({part})" for part in parts)


def _search_statement(session: Session, filters: SearchFilters) -> Select:
    sqlite = _is_sqlite(session)
    match = _fts_expression(filters) if sqlite else ""
    by_relevance = sqlite and filters.effective_sort is Sort.relevance and bool(to_fts5(filters.query))
    date = func.coalesce(Article.published_at, Capture.fetched_at)
    score = func.bm25(_FTS_TABLE, *_BM25_WEIGHTS) if by_relevance else null()
    statement = select(Article.id.label("article_id"), Capture.id.label("capture_id"), Capture.url.label("url"),
                       Capture.fetched_at.label("fetched_at"), date.label("date"), score.label("score"))
    if match:
        statement = (statement.select_from(_FTS).join(Article, Article.id == _FTS.c.rowid)
                     .where(_FTS_TABLE.op("MATCH")(match)))
    else:
        statement = statement.select_from(Article)
    statement = statement.join(Capture, Capture.id == Article.capture_id)
    if not sqlite:
        statement = statement.where(*_substring_conditions(filters))
    statement = statement.where(*_metadata_conditions(session, filters, date))
    source = statement.subquery("hits")
    latest_only = true()
    if not filters.all_versions:
        newest = func.row_number().over(partition_by=source.c.url,
                                        order_by=(source.c.fetched_at.desc(), source.c.capture_id.desc()))
        source = select(source, newest.label("newest")).subquery("latest")
        latest_only = source.c.newest == 1
    order = [source.c.score.asc()] if by_relevance else []
    order += [source.c.date.desc(), source.c.article_id.desc()]
    return select(source.c.article_id, source.c.capture_id, source.c.score).where(latest_only).order_by(*order)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _substring_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """Query and author as case-insensitive substrings (databases without a full-text index here)."""
    conditions = []
    query = filters.query.strip()
    if query:
        pattern = f"%{_like_escape(query)}%"
        conditions.append(or_(*(column.ilike(pattern, escape="\\")
                                for column in (Article.title, Article.author, Article.text))))
    if filters.author and filters.author.strip():
        conditions.append(Article.author.ilike(f"%{_like_escape(filters.author.strip())}%", escape="\\"))
    return conditions


def _metadata_conditions(session: Session, filters: SearchFilters, date: ColumnElement) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.site and filters.site.strip():
        host = _like_escape(filters.site.strip().lower())
        url_host = _url_host(session)
        conditions.append(or_(url_host == filters.site.strip().lower(),
                              *(url_host.like(pattern, escape="\\")
                                for pattern in (f"%.{host}", f"{host}:%", f"%.{host}:%"))))
    if filters.language and filters.language.strip():
        language = filters.language.strip().lower()
        conditions.append(or_(func.lower(Article.language) == language,
                              func.lower(Article.language).like(f"{_like_escape(language)}-%", escape="\\")))
    if filters.since is not None:
        conditions.append(date >= filters.since)
    if filters.until is not None:
        conditions.append(date < filters.until)
    if filters.status is not None:
        conditions.append(Capture.status == filters.status)
    return conditions


def _url_host(session: Session) -> ColumnElement[str]:
    """The lower-cased ``host[:port]`` of a capture's URL, as SQL."""
    if _is_sqlite(session):
        rest = func.substr(Capture.url, func.instr(Capture.url, "://") + 3, type_=String)
        return func.lower(func.substr(rest, 1, func.instr(rest + "/", "/") - 1, type_=String), type_=String)
    return func.lower(func.substring(Capture.url, "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)", type_=String),
                      type_=String)


def _snippets(session: Session, filters: SearchFilters, article_ids: list[int]) -> dict[int, str]:
    """FTS5 snippets of the text for these articles, matches marked (SQLite with a query only)."""
    if not article_ids or not _is_sqlite(session) or not to_fts5(filters.query):
        return {}
    rows = session.execute(
        select(_FTS.c.rowid, func.snippet(_FTS_TABLE, _TEXT_COLUMN, MARK_START, MARK_END, "…", _SNIPPET_TOKENS))
        .select_from(_FTS)
        .where(_FTS_TABLE.op("MATCH")(_fts_expression(filters)), _FTS.c.rowid.in_(article_ids))
    ).all()
    return {rowid: snippet for rowid, snippet in rows if snippet}


# ----------------------------------------------------------------------- stats
def catalogue_totals(session: Session) -> dict[str, int]:
    """Counts of captures (all, failed, revisits), articles, pages with an article, and crawl runs."""
    def count(statement: Select) -> int:
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
    host = _url_host(session).label("host")
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


def _month(session: Session, column: ColumnElement) -> ColumnElement[str]:
    if _is_sqlite(session):
        return func.strftime("%Y-%m", column, type_=String)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM", type_=String)
