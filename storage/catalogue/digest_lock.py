"""One writer at a time per payload digest across processes, so identical bytes are stored once.

Revisit dedup looks up the first capture with a payload digest and writes a full response
record only when there is none. Two crawl workers fetching identical bytes at the same moment
would both find none and both store the payload. On PostgreSQL a session-level advisory lock
keyed on the digest makes look-up, WARC write and catalogue insert one critical section per
digest: the second worker waits, then finds the first one's capture and writes a revisit.
SQLite has no cross-process locks of this kind; it is the single-machine catalogue.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from storage.catalogue.database import Database

__all__ = ["digest_lock"]

_KEY = "hashtextextended(:digest, 0)"


@contextmanager
def digest_lock(db: Database, digest: str) -> Iterator[None]:
    """Hold the cross-process lock of ``digest`` for the block (a no-op outside PostgreSQL)."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.connect() as connection:
        connection.execute(text(f"SELECT pg_advisory_lock({_KEY})"), {"digest": digest})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock({_KEY})"), {"digest": digest})
            connection.commit()
