"""Benchmark catalogue search over a large generated catalogue: p50/p95 latency per kind of query.

    python bench/search.py [--articles 100000] [--runs 60] [--keep DIR]

Generates N articles (about one page in ten captured twice, so "latest version only" has work
to do) straight into a temporary SQLite catalogue through the catalogue's own models and
migrations (bulk inserts, no WARC, no crawl), then times the search the CLI runs
(:func:`storage.catalogue.queries.search_articles`, first page of 20 with snippets) for:

- a two-word full-text query, ranked by relevance (words found in 1-11% of the articles);
- the same with two words found in nearly every article (the worst case: bm25 over everything);
- an author filter with an empty query (newest first);
- a site filter with an empty query (newest first);
- a two-word query combined with a language filter and a date range.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.catalogue.models import Article, Capture
from storage.catalogue.search_model import SearchFilters

_SITES = [f"www.site{i:02d}.example" for i in range(40)] + ["www.themoscowtimes.com"]
_LANGUAGES = ["en"] * 6 + ["de", "fr", "ru", "es"]
_AGENCIES = ["AFP", "Reuters", "AP", "dpa"]


def _vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(size)}
    return sorted(words)


def generate(db: Database, count: int, *, seed: int = 1) -> list[str]:
    """Insert ``count`` articles (and their captures); return the vocabulary used."""
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    weights = [1 / (rank + 1) for rank in range(len(vocab))]  # Zipf-like: a few words are everywhere
    people = [f"{rng.choice(vocab).title()} {rng.choice(vocab).title()}" for _ in range(2000)]
    start = datetime(2021, 1, 1, tzinfo=UTC)
    batch = 5000
    capture_id = 0
    article_id = 0
    page = 0
    with db.engine.begin() as connection:
        while article_id < count:
            captures, articles = [], []
            for _ in range(min(batch, count - article_id)):
                versions = 2 if rng.random() < 0.1 else 1
                page += 1
                site = rng.choice(_SITES)
                url = f"https://{site}/news/{page}"
                published = start + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
                authors = [rng.choice(_AGENCIES)] if rng.random() < 0.25 else rng.sample(people, rng.randint(1, 2))
                title = " ".join(rng.choices(vocab, weights, k=rng.randint(5, 10))).capitalize()
                words = rng.choices(vocab, weights, k=rng.randint(150, 600))
                for version in range(versions):
                    if article_id >= count:
                        break
                    capture_id += 1
                    article_id += 1
                    fetched = published + timedelta(hours=1 + 24 * version)
                    captures.append({"id": capture_id, "url": url, "requested_url": url, "method": "GET",
                                     "status": 200, "content_type": "text/html", "fetched_at": fetched,
                                     "warc_file": "bench.warc.gz", "warc_offset": capture_id * 1000,
                                     "warc_length": 900, "record_type": "response"})
                    body = words if version == 0 else words[:-5] + rng.choices(vocab, k=5)
                    articles.append({"id": article_id, "capture_id": capture_id, "title": title,
                                     "authors": authors, "author": "; ".join(authors),
                                     "published": published.isoformat(), "published_at": published,
                                     "sitename": site, "language": rng.choice(_LANGUAGES), "tags": [],
                                     "text": " ".join(body), "word_count": len(body), "field_sources": {}})
            connection.execute(insert(Capture), captures)
            connection.execute(insert(Article), articles)
        connection.execute(text("ANALYZE"))
    return vocab


def _time(run: Callable[[], object], runs: int) -> tuple[float, float, int]:
    timings = []
    found = 0
    for _ in range(runs):
        started = time.perf_counter()
        found = len(run())  # type: ignore[arg-type]
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))], found


def time_searches(db: Database, vocab: list[str], runs: int, *, label: str) -> None:
    """Print p50/p95 per kind of search (first page of 20 hits with snippets), ``runs`` queries each."""
    rng = random.Random(2)
    # Under the Zipf weights the word of rank r is in about 1 - exp(-36 / r) of the articles:
    # ranks 300-3000 are in 1-11% of them (names, places: what people search for), the first
    # 30 in nearly all (the, and: the worst case, ranking over the whole catalogue).

    def pair() -> str:
        return f"{rng.choice(vocab[300:3000])} {rng.choice(vocab[300:10000])}"

    def common_pair() -> str:
        return f"{rng.choice(vocab[:30])} {rng.choice(vocab[:30])}"

    kinds: list[tuple[str, Callable[[], SearchFilters]]] = [
        ("two-word query", lambda: SearchFilters(query=pair())),
        ("two very common words", lambda: SearchFilters(query=common_pair())),
        ("author filter, no query", lambda: SearchFilters(author=rng.choice(_AGENCIES))),
        ("site filter, no query", lambda: SearchFilters(site=rng.choice(_SITES))),
        ("two words + lang + dates", lambda: SearchFilters(
            query=pair(), language="en", since=datetime(2022, 1, 1, tzinfo=UTC),
            until=datetime(2023, 1, 1, tzinfo=UTC))),
    ]
    heading = f"search (first 20 hits, {label})"
    print(f"{heading:<36} {'p50 ms':>8} {'p95 ms':>8} {'hits':>6}")
    with db.session() as session:
        for name, make in kinds:
            p50, p95, hits = _time(lambda make=make: queries.search_articles(session, make(), limit=20), runs)
            print(f"{name:<36} {p50:>8.1f} {p95:>8.1f} {hits:>6}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=60, help="queries timed per kind")
    parser.add_argument("--keep", type=Path, help="build the catalogue in this directory and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-search-") as scratch:
        home = args.keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        path = home / "catalogue.sqlite"
        fresh = not path.exists()
        db = Database(f"sqlite:///{path}")
        started = time.perf_counter()
        vocab = generate(db, args.articles) if fresh else _vocabulary(random.Random(1))
        if fresh:
            print(f"generated {args.articles} articles in {time.perf_counter() - started:.1f} s "
                  f"({path.stat().st_size / 1e6:.0f} MB)")
        time_searches(db, vocab, args.runs, label="SQLite")
        db.close()


if __name__ == "__main__":
    main()
