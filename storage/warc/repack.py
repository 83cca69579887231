"""Repack a WARC or ARC file gzipped as one whole (``gzip x.warc``) into one gzip member per record.

The catalogue reaches a record by one seek to its offset, which a whole-file gzip does not
allow. Repacking (what ``warcio recompress`` does) decompresses the file and writes each record
as its own gzip member; the bytes of every record are kept exactly as they were (only the
compression changes), so digests and record ids stay valid.

The new file is written under a hidden temporary name beside the target, flushed to disk and
renamed into place only when complete: a crash never leaves a half-written archive file.
Damage (a cut or corrupt gzip stream, a broken record) keeps every good record and is
reported with the offset in the decompressed stream.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from storage.warc.reader import ScanProblem, read_raw, scan_file
from storage.warc.writer import fsync_dir

__all__ = ["RepackResult", "copy_into", "repack_per_record"]

log = logging.getLogger(__name__)
_CHUNK = 1 << 20


@dataclass
class RepackResult:
    """What a repack wrote, and the damage it found (one line each, naming file and offset)."""

    records: int = 0
    problems: list[str] = field(default_factory=list)


def repack_per_record(source: Path, target: Path) -> RepackResult:
    """Write ``source`` (a whole-file gzip) to ``target`` with one gzip member per record."""
    result = RepackResult()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".repack-", dir=target.parent) as scratch:
        plain = Path(scratch) / "plain"
        with open(source, "rb") as raw, open(plain, "wb") as out:
            damage = _gunzip_all(raw, out)
        if damage:
            result.problems.append(f"{source}: {damage}; the records before it are kept")
        partial = Path(scratch) / "repacked"
        with open(partial, "wb") as out:
            for item in scan_file(plain):
                if isinstance(item, ScanProblem):
                    result.problems.append(f"{source} at offset {item.offset} of its decompressed data: "
                                           f"{item.message.split(' (')[0]}")
                    continue
                out.write(gzip.compress(read_raw(plain, item.offset, item.length or 0), mtime=0))
                result.records += 1
            out.flush()
            os.fsync(out.fileno())
        if result.records == 0:
            result.problems.append(f"{source}: no readable record in it, nothing imported")
            return result
        os.replace(partial, target)
    fsync_dir(target.parent)
    log.info("repacked %s (one gzip stream) into %s: %d records, one gzip member each", source, target,
             result.records)
    return result


def _gunzip_all(raw: BinaryIO, out: BinaryIO) -> str | None:
    """Decompress every gzip member of ``raw`` into ``out``; a description of any damage, or None."""
    inflater = zlib.decompressobj(wbits=31)
    in_member = False
    position = 0
    while chunk := raw.read(_CHUNK):
        data = chunk
        while data:
            in_member = True
            try:
                out.write(inflater.decompress(data))
            except zlib.error as exc:
                return f"gzip data is damaged near byte {position} ({exc})"
            if not inflater.eof:
                break
            in_member = False
            data = inflater.unused_data  # the next member, if any
            inflater = zlib.decompressobj(wbits=31)
            if data and data[:2] != b"\x1f\x8b":
                return f"{len(data)} bytes after a gzip member are not gzip"
        position += len(chunk)
    if in_member:
        out.write(inflater.flush())
        return "the gzip stream is cut short"
    return None


def copy_into(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a hidden temporary name, so ``target`` is whole or absent."""
    partial = target.with_name(f".{target.name}.copying")
    try:
        shutil.copyfile(source, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    fsync_dir(target.parent)
