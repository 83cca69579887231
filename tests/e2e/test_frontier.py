"""Distributed crawls: crawl workers sharing one Redis frontier and one PostgreSQL catalogue.

Each test runs the installed ``archiver`` (crawl and worker processes) against the local crawl
site, which counts the hits on every path, and reads back what was written: catalogue rows in
PostgreSQL, WARC files (``warcio check``), ``archiver verify``, the Redis keys left behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from support.catalogue_samples import page
from support.cli import run_archiver, start_archiver, tool
from support.crawl_site import article_path, running_crawl_site

from storage import Archive, StorageConfig
from storage.catalogue.database import make_engine

ARTICLES = 24
NAME = "shared"


def start(home: Path, database_url: str, *args: str) -> subprocess.Popen[str]:
    """Start ``archiver ARGS --json`` in the background (a crawl or a worker)."""
    return start_archiver(home, *args, "--json", env={"ARCHIVER_DATABASE_URL": database_url}, start_new_session=True)


def finish(process: subprocess.Popen[str]) -> dict:
    """Wait for a process; return its run record (its last JSON line)."""
    out, err = process.communicate(timeout=240)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    last = json.loads(out.strip().splitlines()[-1])
    assert last["event"] == "run", out
    return last


def wait_for(condition: Callable[[], object], what: str, timeout: float = 180) -> object:
    """Poll ``condition`` until it returns something true (the processes run on their own clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def throttle(delay: float) -> tuple[str, ...]:
    """Settings for a steady, known pace against localhost (and short leases)."""
    return ("-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"DOWNLOAD_DELAY={delay}", "-s", "DOWNLOAD_DELAY_JITTER=0",
            "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "ARCHIVER_FRONTIER_LEASE_TTL=2")


def catalogue(database_url: str, sql: str, **params: object) -> list[tuple]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params)]
    finally:
        engine.dispose()


def article_rows(database_url: str) -> list[tuple]:
    """(url, record type, run id, title, WARC file) of every capture with an article."""
    return catalogue(database_url, "SELECT c.url, c.record_type, c.crawl_run_id, a.title, c.warc_file "
                                   "FROM captures c JOIN articles a ON a.capture_id = c.id ORDER BY c.url")


def article_hits(site) -> dict[str, int]:
    return {path: n for path, n in site.hits().items() if "story-number" in path}


def frontier_keys(redis_url: str) -> dict[str, int]:
    """Size of every Redis key left under the crawl (leases and queue must be empty)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    sizes = {}
    for key in client.scan_iter(match=f"archiver:frontier:{NAME}:*"):
        kind = client.type(key).decode()
        sizes[key.decode().rsplit(":", 1)[-1] if ":leases:" not in key.decode() else "leases"] = {
            "zset": client.zcard, "hash": client.hlen, "set": client.scard}.get(kind, lambda _k: 1)(key)
    return sizes


def check_warcs(home: Path) -> list[str]:
    names = sorted(p.name for p in (home / "warcs").glob("*.warc.gz"))
    for name in names:
        result = subprocess.run([tool("warcio"), "check", "-v", str(home / "warcs" / name)], capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0, (name, result.stdout, result.stderr)
    return names


def verify(home: Path, database_url: str) -> dict:
    result = run_archiver(home, "verify", "--json", env={"ARCHIVER_DATABASE_URL": database_url})
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"], report
    return report


def test_two_workers_share_the_frontier_and_fetch_each_article_once(tmp_path: Path, postgres_url: str,
                                                                     redis_url: str) -> None:
    home = tmp_path / "archive"
    with running_crawl_site("--articles", str(ARTICLES)) as site:
        # One request at a time per process: otherwise the first process takes most of the queue
        # into its own downloader before the worker has started, and on a quick machine the
        # worker finds nothing left to do.
        one_at_a_time = ("-s", "CONCURRENT_REQUESTS=1")
        first = start(home, postgres_url, "crawl", "--sitemap", site.url + "robots.txt", "--frontier", redis_url,
                      "--name", NAME, *throttle(0.5), *one_at_a_time)
        # The crawl publishes its options once its first request is queued; then the worker can join.
        wait_for(lambda: frontier_keys(redis_url).get("spec"), "the crawl to publish its options")
        second = start(home, postgres_url, "worker", "--frontier", redis_url, "--name", NAME, *throttle(0.1),
                       *one_at_a_time)
        runs = [finish(first), finish(second)]
        hits = article_hits(site)

    # Every article fetched exactly once, across both processes.
    assert hits == {article_path(i): 1 for i in range(ARTICLES)}
    rows = article_rows(postgres_url)
    assert sorted(row[0] for row in rows) == sorted(site.article_url(i) for i in range(ARTICLES))
    assert {row[1] for row in rows} == {"response"}
    # Both processes did part of the work, each under its own run and in its own WARC file.
    run_ids = [run["id"] for run in runs]
    by_run = {run_id: [row for row in rows if row[2] == run_id] for run_id in run_ids}
    assert all(by_run.values()), {run_id: len(found) for run_id, found in by_run.items()}
    files = {run_id: {row[4] for row in found} for run_id, found in by_run.items()}
    assert not files[run_ids[0]] & files[run_ids[1]]
    assert [run["status"] for run in runs] == ["finished", "finished"]
    assert sum(run["counts"]["articles"] for run in runs) == ARTICLES
    # Both WARC files are valid, and the catalogue and the files agree.
    names = check_warcs(home)
    assert files[run_ids[0]] | files[run_ids[1]] <= set(names)
    assert verify(home, postgres_url)["checked"] >= ARTICLES
    # Nothing left leased or queued; the seen-URL set persists for the crawl.
    left = frontier_keys(redis_url)
    assert left.get("requests", 0) == 0 and left.get("leases", 0) == 0
    assert left["dupefilter"] >= ARTICLES


def _leased(redis_url: str) -> dict[str, list[str]]:
    """URLs each worker holds a lease on (read straight from Redis)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    held = {}
    for key in client.scan_iter(match=f"archiver:frontier:{NAME}:leases:*"):
        values = client.hvals(key)
        held[key.decode().split(":leases:")[1]] = [pickle.loads(v.split(b"|", 1)[1])["url"] for v in values]
    return held


def test_a_killed_workers_requests_are_requeued_and_finished_by_the_other(tmp_path: Path, postgres_url: str,
                                                                          redis_url: str) -> None:
    home = tmp_path / "archive"
    with running_crawl_site("--articles", str(ARTICLES)) as site:
        victim = start(home, postgres_url, "crawl", "--sitemap", site.url + "robots.txt", "--frontier", redis_url,
                       "--name", NAME, *throttle(0.4))

        def leased_unfetched_article() -> list[str]:
            """Articles the victim has popped and leased but not fetched yet (waiting for its delay)."""
            hits = site.hits()
            done = sum(1 for path in hits if "story-number" in path)
            urls = [url for urls in _leased(redis_url).values() for url in urls
                    if "story-number" in url and not hits.get(url.removeprefix(site.url.rstrip("/")))]
            return urls if done >= 3 else []

        in_flight = wait_for(leased_unfetched_article, "the victim to hold a lease on an unfetched article")
        os.killpg(victim.pid, signal.SIGKILL)  # the worker and its extraction processes
        victim.communicate(timeout=30)
        assert _leased(redis_url), "the killed worker's lease is still in Redis"
        survivor = start(home, postgres_url, "worker", "--frontier", redis_url, "--name", NAME, *throttle(0.05))
        run = finish(survivor)
        hits = article_hits(site)

    # The requests the victim held were put back and finished by the survivor: nothing is lost.
    rows = article_rows(postgres_url)
    urls = {row[0] for row in rows}
    assert urls == {site.article_url(i) for i in range(ARTICLES)}
    assert set(in_flight) <= {row[0] for row in rows if row[2] == run["id"]}
    assert set(hits) == {article_path(i) for i in range(ARTICLES)}
    assert run["status"] == "finished"
    assert _leased(redis_url) == {}
    assert frontier_keys(redis_url).get("requests", 0) == 0
    # The victim's unfinished WARC file was recovered when the survivor opened the archive.
    check_warcs(home)
    verify(home, postgres_url)


def test_identical_payloads_stored_at_once_by_two_writers_are_stored_once(tmp_path: Path,
                                                                          postgres_url: str) -> None:
    """Two archives (as two workers) on one PostgreSQL catalogue write the same bytes at the same moment."""
    archives = [Archive(StorageConfig.from_env({"ARCHIVER_DATABASE_URL": postgres_url}, home=tmp_path / "archive",
                                               warc_dir=tmp_path / f"warcs{i}", fsync_interval=0.0))
                for i in range(2)]
    # Both writers meet here before writing their WARC record unless one has to wait for the other:
    # without the digest lock both would get here having found no earlier capture, and both store the payload.
    barrier = threading.Barrier(2)
    for archive in archives:
        write = archive.writer.write_exchange

        def meeting(*args: object, _write=write, **kwargs: object) -> object:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)
            return _write(*args, **kwargs)

        archive.writer.write_exchange = meeting  # type: ignore[method-assign]
    html = "<html><body><p>The very same story, byte for byte.</p></body></html>"
    captures = [None, None]

    def store(i: int) -> None:
        request, response = page(f"https://mirror{i}.example/story", html)
        captures[i] = archives[i].record_exchange(f"https://mirror{i}.example/story", request, response,
                                                  fetched_at=datetime.now(UTC))

    threads = [threading.Thread(target=store, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for archive in archives:
        archive.close()
    rows = catalogue(postgres_url, "SELECT id, record_type, revisit_of_id FROM captures ORDER BY id")
    assert [row[1] for row in rows] == ["response", "revisit"]
    assert rows[1][2] == rows[0][0]
    assert {c.id for c in captures if c is not None} == {rows[0][0], rows[1][0]}
