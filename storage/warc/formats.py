"""What kind of web-archive file a file is, told from its first bytes, before anything reads it.

The archiver reads WARC and ARC files, each either plain or gzipped one record per gzip member
(the usual ``.warc.gz`` / ``.arc.gz``). A file gzipped as one whole (``gzip x.warc``) reads too,
but its records cannot be reached by one seek: :func:`sniff` tells it apart so the caller can
repack it (:mod:`storage.warc.repack`). Anything else (lz4, zstd, a ``.warc.zst`` with its
dictionary, bzip2, xz, ZIP/WACZ, random bytes) raises :class:`~storage.errors.UnreadableFormat`
with one line that says what to do.
"""

from __future__ import annotations

import re
import zlib
from enum import StrEnum
from pathlib import Path

from storage.errors import RecordNotFound, UnreadableFormat

__all__ = ["ArchiveFormat", "looks_like_arc_header", "sniff"]

_HEAD = 4096
# An ARC record starts with one line: URL IP-address Archive-date(14 digits) Content-type Length
# (version 1; version 2 adds fields after the date). The file starts with a filedesc:// record.
_ARC_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9+.\-]*:\S* \S+ \d{14}\d* \S")
_FOREIGN = (  # magic bytes -> (what it is, how to make it readable)
    (b"\x04\x22\x4d\x18", "an LZ4-compressed file", "decompress it first (lz4 -d)"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file", "decompress it first (zstd -d)"),
    (b"\x5d\x2a\x4d\x18", "a Zstandard-compressed WARC with its dictionary (.warc.zst)",
     "decompress it first with a tool that reads .warc.zst"),
    (b"BZh", "a bzip2-compressed file", "decompress it first (bunzip2)"),
    (b"\xfd7zXZ\x00", "an xz-compressed file", "decompress it first (unxz)"),
    (b"PK\x03\x04", "a ZIP file (a WACZ?)", "unzip it and reindex the WARC files inside (archive/*.warc.gz)"),
)


class ArchiveFormat(StrEnum):
    """How a readable file holds its records."""

    WARC = "warc"  # plain WARC
    WARC_GZ = "warc.gz"  # one gzip member per WARC record
    WARC_GZ_WHOLE = "warc.gz (whole file)"  # several records in one gzip member: repack before cataloguing
    ARC = "arc"
    ARC_GZ = "arc.gz"
    ARC_GZ_WHOLE = "arc.gz (whole file)"

    @property
    def whole_file_gzip(self) -> bool:
        """True when records share a gzip member, so a record cannot be read by one seek."""
        return self in (ArchiveFormat.WARC_GZ_WHOLE, ArchiveFormat.ARC_GZ_WHOLE)


def looks_like_arc_header(line: bytes) -> bool:
    """Whether ``line`` reads as the first line of an ARC record."""
    return bool(_ARC_LINE.match(line))


def sniff(path: str | Path) -> ArchiveFormat:
    """The format of ``path``; :class:`UnreadableFormat` (one clear line) when we cannot read it."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD)
    except FileNotFoundError:
        raise RecordNotFound("file not found", path=str(path)) from None
    except OSError as exc:
        raise UnreadableFormat(f"cannot read {path}: {exc.strerror}") from exc
    if not head:
        raise UnreadableFormat(f"{path} is empty: there is no WARC or ARC record in it")
    for magic, what, fix in _FOREIGN:
        if head.startswith(magic):
            raise UnreadableFormat(f"{path} is {what}, not a WARC or ARC file: {fix}, then reindex the result")
    if head[:2] == b"\x1f\x8b":
        return _sniff_gzip(path)
    kind = _kind(head)
    if kind is None:
        raise UnreadableFormat(f"{path} is not a WARC or ARC file (it does not start with a WARC/1.x or ARC "
                               "record header)")
    return ArchiveFormat.WARC if kind == "warc" else ArchiveFormat.ARC


def _kind(data: bytes) -> str | None:
    if data.startswith(b"WARC/"):
        return "warc"
    if looks_like_arc_header(data.split(b"\n", 1)[0]):
        return "arc"
    return None


def _sniff_gzip(path: Path) -> ArchiveFormat:
    """Per-record or whole-file gzip: whole when the first member holds more than one record."""
    inflater = zlib.decompressobj(wbits=31)
    plain = b""
    member_end = None
    consumed = 0
    with open(path, "rb") as handle:
        while member_end is None:
            chunk = handle.read(1 << 16)
            if not chunk:
                break
            try:
                plain += inflater.decompress(chunk, 1 << 20)
            except zlib.error as exc:
                if plain:
                    break  # the first member is damaged after a readable start: decide from that
                return _after_damaged_first_member(path, exc)
            consumed += len(chunk) - len(inflater.unused_data)
            if inflater.eof:
                member_end = consumed
            elif len(plain) >= 1 << 20 or inflater.unconsumed_tail:
                break  # the first member is large: decide from its first megabyte
    kind = _kind(plain)
    if kind is None:
        raise UnreadableFormat(f"{path} is gzip, but what it holds is not a WARC or ARC file")
    if _holds_second_record(plain, kind):
        return ArchiveFormat.WARC_GZ_WHOLE if kind == "warc" else ArchiveFormat.ARC_GZ_WHOLE
    return ArchiveFormat.WARC_GZ if kind == "warc" else ArchiveFormat.ARC_GZ


def _after_damaged_first_member(path: Path, error: zlib.error) -> ArchiveFormat:
    """The format of a gzip file whose first member is damaged, told from the next member that reads."""
    with open(path, "rb") as handle:
        data = handle.read(1 << 22)
    start = data.find(b"\x1f\x8b\x08", 1)
    while start > 0:
        try:
            kind = _kind(zlib.decompressobj(wbits=31).decompress(data[start:start + (1 << 16)], 64))
        except zlib.error:
            kind = None
        if kind is not None:  # records after the damage read: the scan reports the damage, keeps the rest
            return ArchiveFormat.WARC_GZ if kind == "warc" else ArchiveFormat.ARC_GZ
        start = data.find(b"\x1f\x8b\x08", start + 1)
    raise UnreadableFormat(f"{path} is not a valid gzip file ({error}): no WARC or ARC record in it can be read")


def _holds_second_record(plain: bytes, kind: str) -> bool:
    """Whether anything but blank lines follows the first record in this decompressed stretch."""
    if kind == "warc":
        head_end = plain.find(b"\r\n\r\n")
        found = re.search(rb"\r\ncontent-length:[ \t]*(\d+)", plain[:head_end], re.IGNORECASE)
        if head_end < 0 or found is None:
            return False
        end = head_end + 4 + int(found[1])
    else:
        line_end = plain.find(b"\n")
        fields = plain[:line_end].split()
        if line_end < 0 or not fields or not fields[-1].isdigit():
            return False
        end = line_end + 1 + int(fields[-1])
    return bool(plain[end:].strip())
