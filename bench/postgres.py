"""Benchmark the catalogue on PostgreSQL: insert rate and search p50/p95 at 100,000 articles.

    python bench/postgres.py [--articles 100000] [--runs 60] [--server postgresql+psycopg://postgres@127.0.0.1:5432]

Creates a scratch database on the server (dropped at the end unless ``--keep``), migrates it,
then measures (``--database NAME`` times the searches again on a database kept earlier, after
migrating it to the newest schema, without inserting anything):

- bulk insert rate: ``bench/search.py``'s generator (about one page in ten captured twice),
  5,000-row batches of captures and articles, as ``archiver db migrate-from`` copies;
- crawl-style insert rate: one capture and its article per transaction (what each crawl
  worker does per page), for ``--single`` pages, from one process;
- search latency (first page of 20 hits with snippets, through
  :func:`storage.catalogue.queries.search_articles`, the GIN-indexed tsvector) for the same kinds
  of query as ``bench/search.py``.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import _vocabulary, generate, time_searches  # noqa: E402 - the search benchmark's generator

from storage.catalogue.database import Database  # noqa: E402
from storage.catalogue.models import Article, Capture  # noqa: E402


def _admin(server: str) -> str:
    url = make_url(server)
    return f"host={url.host or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'} dbname=postgres"


def _single_inserts(db: Database, count: int, first_id: int) -> float:
    """Seconds to insert ``count`` captures with their articles, one transaction each."""
    rng = random.Random(3)
    started = time.perf_counter()
    for i in range(count):
        url = f"https://www.single.example/news/{first_id + i}"
        with db.session() as session:
            capture = Capture(url=url, requested_url=url, method="GET", status=200, content_type="text/html",
                              fetched_at=datetime.now(UTC), warc_file="bench.warc.gz", warc_offset=i * 1000,
                              warc_length=900, record_type="response", payload_digest=f"sha1:{uuid.uuid4().hex}")
            session.add(capture)
            session.flush()
            session.add(Article(capture_id=capture.id, title=f"Single insert {i}", authors=["AFP"], author="AFP",
                                sitename="www.single.example", language="en", tags=[], field_sources={},
                                text=" ".join(rng.choices(["alpha", "beta", "gamma", "delta"], k=300)),
                                word_count=300))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=2000, help="pages inserted one transaction each")
    parser.add_argument("--runs", type=int, default=60, help="queries timed per kind")
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", help="search a database kept by an earlier --keep run (no inserts)")
    args = parser.parse_args()
    if args.database:
        db = Database(f"{args.server.rstrip('/')}/{args.database}")
        try:
            print(f"PostgreSQL {db.engine.dialect.server_version_info}, database {args.database} (kept)")
            time_searches(db, _vocabulary(random.Random(1)), args.runs, label="PostgreSQL")
        finally:
            db.close()
        return

    name = f"archiver_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(_admin(args.server), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        sys.exit(f"cannot create a scratch database on {args.server}: {exc}")
    db = Database(f"{args.server.rstrip('/')}/{name}")
    try:
        started = time.perf_counter()
        vocab = generate(db, args.articles)
        elapsed = time.perf_counter() - started
        with db.engine.connect() as connection:
            captures = connection.execute(text("SELECT count(*) FROM captures")).scalar_one()
            size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
            connection.execute(text("SELECT setval(pg_get_serial_sequence('captures', 'id'), "
                                    "(SELECT max(id) FROM captures))"))
            connection.execute(text("SELECT setval(pg_get_serial_sequence('articles', 'id'), "
                                    "(SELECT max(id) FROM articles))"))
            connection.commit()
        print(f"PostgreSQL {db.engine.dialect.server_version_info}, database {name}")
        print(f"bulk insert: {args.articles} articles + {captures} captures in {elapsed:.1f} s "
              f"= {args.articles / elapsed:,.0f} articles/s (GIN index maintained; {size / 1e6:.0f} MB)")
        single = _single_inserts(db, args.single, captures + 1)
        print(f"one page per transaction: {args.single} captures+articles in {single:.1f} s "
              f"= {args.single / single:,.0f} pages/s")
        time_searches(db, vocab, args.runs, label="PostgreSQL")
    finally:
        db.close()
        if not args.keep:
            with psycopg.connect(_admin(args.server), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
