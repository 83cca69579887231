"""Fixtures for the outside services some tests need: PostgreSQL and Redis on 127.0.0.1.

``.ci/services`` installs and starts both in CI. Where a service is not running (a developer's
machine without it), the tests that need it skip and say how to start it. Registered as a
pytest plugin by ``tests/conftest.py``. Each test that asks
for ``postgres_url`` gets a database of its own, dropped afterwards; ``redis_url`` gives a
database number that is flushed before and after the test.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from collections.abc import Iterator

import pytest

__all__ = ["BACKENDS", "postgres_database", "postgres_url", "redis_url"]

PG_HOST = os.environ.get("ARCHIVER_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("ARCHIVER_TEST_PG_PORT", "5432"))
REDIS_HOST = os.environ.get("ARCHIVER_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("ARCHIVER_TEST_REDIS_PORT", "6379"))
HOW_TO_START = "run `bash .ci/services` (as root) to install and start it"

#: The catalogue backends a test runs on (``params=BACKENDS``): the PostgreSQL variant needs a
#: server, so it is marked slow and left out of ``-m "not slow"`` beside its in-process SQLite twin.
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL of a fresh, empty PostgreSQL database (dropped after the test)."""
    with postgres_database() as url:
        yield url


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for the block (for fixtures of any scope); skips without a server."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'psycopg[binary]')")
    if not _listening(PG_HOST, PG_PORT):
        pytest.skip(f"PostgreSQL is not running on {PG_HOST}:{PG_PORT}: {HOW_TO_START}")
    admin = f"host={PG_HOST} port={PG_PORT} user=postgres dbname=postgres"
    name = f"archiver_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"cannot create a PostgreSQL test database as user postgres: {exc}")
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The URL of Redis database 15, empty at the start of the test and flushed after it."""
    redis = pytest.importorskip("redis", reason="the redis client is not installed (pip install redis)")
    if not _listening(REDIS_HOST, REDIS_PORT):
        pytest.skip(f"Redis is not running on {REDIS_HOST}:{REDIS_PORT}: {HOW_TO_START}")
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/15"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
