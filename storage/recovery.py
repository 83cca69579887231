"""Recover what a killed writer left behind, before anything else touches the archive.

A process killed while writing leaves a ``*.warc.gz.open`` file whose complete records are
valid and whose tail may hold one incomplete record. Recovery, for every such file whose
writer is no longer running:

1. cuts the file back to the end of its last complete record and closes it under its final
   name (a file with no complete record at all is removed);
2. catalogues the complete records that were written but never catalogued (the process died
   between the WARC write and the catalogue commit);
3. marks catalogue rows that point past the end of the cut file as lost, so no row points at
   bytes that are not there.

Each step is logged. Rows always name the final file name, so none needs renaming.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

from storage.catalogue import queries
from storage.catalogue.database import Database
from storage.errors import CorruptRecord
from storage.processes import process_alive
from storage.reindex import index_warc_file
from storage.warc.naming import OPEN_SUFFIX, final_name
from storage.warc.reader import iter_records
from storage.warc.writer import fsync_dir

__all__ = ["RecoveredFile", "recover_archive", "writer_is_alive"]

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[^-]+-\d{20}-\d+-(?P<host>[^-]+)-(?P<pid>\d+)\.warc\.gz\.open$")


@dataclass(frozen=True)
class RecoveredFile:
    """One orphaned ``.open`` file and what recovery did to it."""

    path: Path
    kept_bytes: int
    cut_bytes: int
    records: int
    captures_added: int
    rows_marked_lost: int


def writer_is_alive(name: str) -> bool:
    """True when the process that writes ``name`` may still be running (always for other hosts)."""
    match = _NAME.match(name)
    if not match:
        return False  # not our naming: nobody we know writes it
    host = re.sub(r"[^A-Za-z0-9.]+", "_", socket.gethostname())
    if match["host"] != host:
        return True  # another machine's writer: we cannot tell, so leave it alone
    pid = int(match["pid"])
    if pid == os.getpid():
        return True
    return process_alive(pid)


def recover_archive(db: Database, warc_dir: Path) -> list[RecoveredFile]:
    """Recover every orphaned ``.open`` file in ``warc_dir``; return what was done."""
    recovered: list[RecoveredFile] = []
    if not warc_dir.is_dir():
        return recovered
    for path in sorted(warc_dir.glob("*" + OPEN_SUFFIX)):
        if writer_is_alive(path.name):
            continue
        recovered.append(_recover_file(db, path))
    return recovered


def _recover_file(db: Database, path: Path) -> RecoveredFile:
    size = path.stat().st_size
    end = 0
    records = 0
    try:
        for record in iter_records(path):
            end = record.offset + (record.length or 0)
            records += 1
    except CorruptRecord:
        pass  # the damaged tail starts at `end`
    final = path.with_name(final_name(path.name))
    marked = 0
    if records == 0:
        path.unlink()
        log.warning("recovery: removed %s (no complete record in %d bytes)", path.name, size)
        marked = _mark_lost(db, final.name, 0)
        return RecoveredFile(final, 0, size, 0, 0, marked)
    if end < size:
        with open(path, "r+b") as handle:
            handle.truncate(end)
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(path, final)
    fsync_dir(final.parent)
    marked = _mark_lost(db, final.name, end)
    added = index_warc_file(db, final).captures_added
    log.warning("recovery: closed %s after a crash: kept %d records (%d bytes), cut %d bytes, "
                "catalogued %d orphaned captures, marked %d rows lost", final.name, records, end, size - end,
                added, marked)
    return RecoveredFile(final, end, size - end, records, added, marked)


def _mark_lost(db: Database, filename: str, size: int) -> int:
    """Clear the location of rows that point past ``size`` bytes of ``filename``; return how many."""
    marked = 0
    with db.session() as session:
        for capture in queries.captures_in_warc_file(session, filename):
            if (capture.warc_offset or 0) + (capture.warc_length or 0) > size:
                capture.error = f"WARC record lost in crash recovery ({filename} at {capture.warc_offset})"
                capture.warc_file = capture.warc_offset = capture.warc_length = None
                marked += 1
        for article in queries.articles_with_conversion_in(session, filename):
            if (article.conversion_offset or 0) + (article.conversion_length or 0) > size:
                article.conversion_file = article.conversion_offset = article.conversion_length = None
                article.conversion_record_id = None
                marked += 1
    return marked
