"""Full-text and metadata search over the catalogue: the query behind ``archiver search`` and ``export``.

On SQLite the query and the author filter go through the FTS5 index of migration 0001
(``articles_fts``: title, author, text): bm25 ranking, title weighted over authors over body,
and a snippet of the text with the matches marked. On PostgreSQL the same query (parsed once
by :mod:`storage.catalogue.fts_query`) becomes a ``tsquery`` over a weighted ``tsvector``
that migration 0007 stores in a column indexed with GIN, ranked by ``ts_rank``, with ``ts_headline`` snippets.
Other databases match the query as a case-insensitive substring.

How a search runs, so that the first page stays fast on a large catalogue:

1. *candidates*: the matching articles, ordered (bm25 or date) and cut at a limit a little
   above what was asked. With a query and no metadata filter, bm25 is ranked and cut inside
   the FTS5 query, before any join.
2. *latest version only* (unless ``all_versions``): a page (final URL) appears once, as its
   latest capture that matches. For the candidates' URLs alone, one query finds each page's
   latest matching capture; candidates that are older versions are dropped. If too few
   remain, step 1 runs again with a larger limit.
3. *snippets* are made for the hits of the page only.

Functions take an open :class:`~sqlalchemy.orm.Session`; :mod:`storage.catalogue.queries`
re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    column,
    distinct,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    table,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload

from storage.catalogue.accents import fold
from storage.catalogue.fts_query import column_phrase, to_fts5, to_tsquery
from storage.catalogue.hosts import host_key_condition
from storage.catalogue.models import Article, Capture
from storage.catalogue.search_model import MARK_END, MARK_START, SearchFilters, SearchHit, Sort, excerpt, lead
from storage.errors import CatalogueError, SearchQueryError

__all__ = ["articles_by_ids", "count_articles", "hits_for_rows", "is_sqlite", "search_articles", "search_ids",
           "url_host"]

_FTS = table("articles_fts", column("rowid"))
# FTS5 takes the table name as MATCH target and bm25() argument
_FTS_TABLE: ColumnClause[Any] = literal_column("articles_fts")
_BM25_WEIGHTS = (10.0, 5.0, 1.0)  # title over author over body
_SNIPPET_TOKENS = 24
_TEXT_COLUMN = 2
_FTS_ERRORS = ("fts5", "unterminated string", "no such column", "expected integer")
_BATCH = 500

# PostgreSQL: the weighted tsvector (title A, author B, text D, accents folded) that migration 0007
# stores in ``articles.search_vector`` and indexes with GIN; matching and ranking both read it.
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
PG_SEARCH_VECTOR: ColumnClause[Any] = literal_column("articles.search_vector")
_PG_HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=1"


@dataclass(frozen=True)
class _Row:
    article_id: int
    capture_id: int
    url: str
    fetched_at: datetime
    score: float | None


def search_articles(session: Session, filters: SearchFilters, *, limit: int | None = 20,
                    offset: int = 0) -> list[SearchHit]:
    """Articles matching ``filters`` (see :class:`SearchFilters`), best or newest first.

    See the module docstring. A query the index cannot parse raises :class:`SearchQueryError`.
    """
    return hits_for_rows(session, filters, _Search(session, filters).run(limit=limit, offset=offset))


def hits_for_rows(session: Session, filters: SearchFilters, rows: Sequence[_Row]) -> list[SearchHit]:
    """The hits of ``rows`` (in their order): each article with its capture and a snippet or lead."""
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
            snippet = excerpt(article.text, query) if query and not is_sqlite(session) else lead(article)
        hits.append(SearchHit(article=article, capture=article.capture, score=row.score,
                              snippet=" ".join(snippet.split())))
    return hits


def count_articles(session: Session, filters: SearchFilters) -> int:
    """How many results ``filters`` give in all: pages (each once, as :func:`search_articles` shows them), or
    every matching capture with ``all_versions``."""
    return _Search(session, filters).count()


def search_ids(session: Session, filters: SearchFilters) -> list[tuple[int, int]]:
    """``(article id, capture id)`` of every article matching ``filters``, in result order (for exports)."""
    return [(row.article_id, row.capture_id) for row in _Search(session, filters).run(limit=None, offset=0)]


def articles_by_ids(session: Session, article_ids: Sequence[int]) -> list[Article]:
    """The articles with these ids (captures loaded), in the order given; unknown ids are skipped."""
    found: dict[int, Article] = {}
    for start in range(0, len(article_ids), _BATCH):
        chunk = article_ids[start:start + _BATCH]
        found.update((a.id, a) for a in session.scalars(
            select(Article).options(selectinload(Article.capture)).where(Article.id.in_(chunk))))
    return [found[i] for i in article_ids if i in found]


def is_sqlite(session: Session) -> bool:
    """True when the session talks to SQLite (FTS5 available)."""
    return session.get_bind().dialect.name == "sqlite"


def url_host(session: Session) -> ColumnElement[str]:
    """The lower-cased ``host[:port]`` of a capture's URL, as SQL."""
    if is_sqlite(session):
        rest = func.substr(Capture.url, func.instr(Capture.url, "://") + 3, type_=String)
        return func.lower(func.substr(rest, 1, func.instr(rest + "/", "/") - 1, type_=String), type_=String)
    return func.lower(func.substring(Capture.url, "^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)", type_=String),
                      type_=String)


class _Search:
    """One search: its match expression and conditions, and the statements built from them."""

    def __init__(self, session: Session, filters: SearchFilters) -> None:
        self.session = session
        self.filters = filters
        self.sqlite = is_sqlite(session)
        postgres = session.get_bind().dialect.name == "postgresql"
        self.match = _fts_expression(filters) if self.sqlite else ""
        self.by_relevance = ((self.sqlite or postgres) and filters.effective_sort is Sort.relevance
                             and bool(filters.query.strip()))
        self.date = func.coalesce(Article.published_at, Capture.fetched_at)
        self.conditions = _metadata_conditions(session, filters)
        self.rank: ColumnElement[Any] | None = None  # PostgreSQL: -ts_rank (lower is better, as bm25)
        if postgres:
            text_query = to_tsquery(filters.query, author=filters.author)
            if text_query:
                tsquery = func.to_tsquery(_PG_CONFIG, fold(text_query))
                self.conditions.append(PG_SEARCH_VECTOR.op("@@")(tsquery))
                ranking = func.to_tsquery(_PG_CONFIG, fold(to_tsquery(filters.query, ranking=True)))
                self.rank = -func.ts_rank(PG_SEARCH_VECTOR, ranking)
        elif not self.sqlite:
            self.conditions += _substring_conditions(filters)

    def run(self, *, limit: int | None, offset: int) -> list[_Row]:
        """The rows of the page asked for (``limit`` None: all of them)."""
        want = None if limit is None else offset + limit
        fetch = None if want is None else want * 2 + 20
        while True:
            rows = self._candidates(fetch)
            complete = fetch is None or len(rows) < fetch
            kept = rows if self.filters.all_versions else self._latest_only(rows, complete=complete)
            if complete or len(kept) >= want:  # type: ignore[operator]
                return kept[offset:want]
            fetch *= 4  # type: ignore[operator]

    def count(self) -> int:
        """How many results there are: matching captures with ``all_versions``, else distinct pages."""
        counted = func.count() if self.filters.all_versions else func.count(distinct(Capture.url))
        if self.match:
            matches = select(_FTS.c.rowid.label("rowid")).where(_FTS_TABLE.op("MATCH")(self.match)).subquery("m")
            statement = select(counted).select_from(matches).join(Article, Article.id == matches.c.rowid)
        else:
            statement = select(counted).select_from(Article)
        statement = statement.join(Capture, Capture.id == Article.capture_id).where(*self.conditions)
        return int(self._execute(statement)[0][0])

    def _execute(self, statement: Select[*tuple[Any, ...]]) -> list[Row[*tuple[Any, ...]]]:
        try:
            return list(self.session.execute(statement).all())
        except OperationalError as exc:
            message = str(exc.orig)
            if self.match and any(marker in message for marker in _FTS_ERRORS):
                raise SearchQueryError(f"bad search query {self.filters.query!r}: {message}") from exc
            raise CatalogueError(f"search failed: {message}") from exc

    def _candidates(self, fetch: int | None) -> list[_Row]:
        """Matching articles in result order, at most ``fetch`` of them."""
        columns = (Article.id, Capture.id, Capture.url, Capture.fetched_at)
        score: ColumnElement[Any]
        if self.match:
            score = func.bm25(_FTS_TABLE, *_BM25_WEIGHTS) if self.by_relevance else null()
            matches = select(_FTS.c.rowid.label("rowid"), score.label("score")).where(
                _FTS_TABLE.op("MATCH")(self.match))
            if self.by_relevance and fetch is not None and not self.conditions:
                matches = matches.order_by(score, _FTS.c.rowid.desc()).limit(fetch)  # rank before any join
            ranked = matches.subquery("ranked")
            statement = (select(*columns, ranked.c.score).select_from(ranked)
                         .join(Article, Article.id == ranked.c.rowid))
            order = [ranked.c.score.asc()] if self.by_relevance else []
        else:
            score = self.rank if self.by_relevance and self.rank is not None else null()
            statement = select(*columns, score).select_from(Article)
            order = [score.asc()] if self.by_relevance and self.rank is not None else []
        statement = statement.join(Capture, Capture.id == Article.capture_id).where(*self.conditions)
        # Ties on the date go to the newest capture: an order a reindex keeps (it renumbers the articles).
        statement = statement.order_by(*order, self.date.desc(), Capture.fetched_at.desc(), Article.id.desc())
        if fetch is not None:
            statement = statement.limit(fetch)
        return [_Row(*row) for row in self._execute(statement)]

    def _latest_only(self, rows: list[_Row], *, complete: bool) -> list[_Row]:
        """The rows that are their page's latest matching capture."""
        if complete:
            latest: dict[str, tuple[datetime, int]] = {}
            for row in rows:
                key = (row.fetched_at, row.capture_id)
                if row.url not in latest or key > latest[row.url]:
                    latest[row.url] = key
        else:
            latest = self._latest_of(sorted({row.url for row in rows}))
        return [row for row in rows if latest.get(row.url) == (row.fetched_at, row.capture_id)]

    def _latest_of(self, urls: list[str]) -> dict[str, tuple[datetime, int]]:
        """For each URL, ``(fetched_at, capture id)`` of its latest capture that matches the search."""
        latest: dict[str, tuple[datetime, int]] = {}
        for start in range(0, len(urls), _BATCH):
            statement = (select(Capture.url, Capture.fetched_at, Capture.id).select_from(Capture)
                         .join(Article, Article.capture_id == Capture.id)
                         .where(Capture.url.in_(urls[start:start + _BATCH]), *self.conditions))
            if self.match:  # checked per row by rowid, so a common word never scans its whole doclist
                statement = statement.where(exists(select(_FTS.c.rowid).where(
                    _FTS_TABLE.op("MATCH")(self.match), _FTS.c.rowid == Article.id)))
            for url, fetched_at, capture_id in self._execute(statement):
                if url not in latest or (fetched_at, capture_id) > latest[url]:
                    latest[url] = (fetched_at, capture_id)
        return latest


def _fts_expression(filters: SearchFilters) -> str:
    """The FTS5 MATCH expression for the query (and the author filter); '' when there is neither."""
    parts = [to_fts5(filters.query)]
    if filters.author and filters.author.strip():
        parts.append(column_phrase("author", filters.author.strip()))
    parts = [part for part in parts if part]
    return parts[0] if len(parts) == 1 else " AND ".join(f"({part})" for part in parts)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _substring_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """Query and author as case-insensitive substrings (databases without a full-text index here)."""
    conditions = []
    query = filters.query.strip()
    if query:
        pattern = f"%{_like_escape(query)}%"
        conditions.append(or_(*(field.ilike(pattern, escape="\\")
                                for field in (Article.title, Article.author, Article.text))))
    if filters.author and filters.author.strip():
        conditions.append(Article.author.ilike(f"%{_like_escape(filters.author.strip())}%", escape="\\"))
    return conditions


def _metadata_conditions(session: Session, filters: SearchFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    date = func.coalesce(Article.published_at, Capture.fetched_at)
    if filters.site and filters.site.strip():
        conditions.append(_site_condition(session, filters.site.strip().lower()))
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


def _site_condition(session: Session, site: str) -> ColumnElement[bool]:
    """The capture's host is ``site`` or one of its subdomains (with any port, unless ``site`` gives one).

    The host part goes through the indexed ``host_key`` (:mod:`storage.catalogue.hosts`); a
    port, when given, is then checked on the URL of the few rows left.
    """
    try:
        parts = urlsplit(f"http://{site}/")
        host, port = parts.hostname or site, parts.port
    except ValueError:
        host, port = site, None
    condition = host_key_condition(Capture.host_key, host)
    if port is not None:
        condition = and_(condition, url_host(session).like(f"%:{port}"))
    return condition


def _snippets(session: Session, filters: SearchFilters, article_ids: list[int]) -> dict[int, str]:
    """Snippets of the text for these articles, matches marked (SQLite and PostgreSQL, with a query only)."""
    if not article_ids or not filters.query.strip():
        return {}
    if session.get_bind().dialect.name == "postgresql":
        tsquery = func.to_tsquery(_PG_CONFIG, fold(to_tsquery(filters.query)))
        rows = session.execute(select(Article.id, func.ts_headline(_PG_CONFIG, Article.text, tsquery, _PG_HEADLINE))
                               .where(Article.id.in_(article_ids))).all()
        return {article_id: snippet for article_id, snippet in rows if snippet}
    if not is_sqlite(session):
        return {}
    rows = session.execute(
        select(_FTS.c.rowid, func.snippet(_FTS_TABLE, _TEXT_COLUMN, MARK_START, MARK_END, "…", _SNIPPET_TOKENS))
        .select_from(_FTS)
        .where(_FTS_TABLE.op("MATCH")(_fts_expression(filters)), _FTS.c.rowid.in_(article_ids))
    ).all()
    return {rowid: snippet for rowid, snippet in rows if snippet}
