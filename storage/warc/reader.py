"""Read WARC records: one record by (file, offset), or every record of a file with its place.

Works on any WARC/1.0 or 1.1 file, gzipped per record or not, ours or another tool's.
A file still being written is found under its ``.open`` name when the final name is absent.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader, DecompressingBufferedReader
from warcio.exceptions import ArchiveLoadFailed

from storage.errors import CorruptRecord, RecordNotFound, WarcError
from storage.warc.http import Headers, header_value
from storage.warc.naming import OPEN_SUFFIX

__all__ = [
    "ArchivedRecord",
    "ScanProblem",
    "decode_payload",
    "iter_records",
    "read_raw",
    "read_record",
    "resolve_warc_path",
    "scan_file",
]

# What warcio raises on damaged input. It also fails with AttributeError on a record that has
# lost its WARC-Target-URI (recordloader calls ``uri.startswith`` on None): damage, not our bug.
_PARSE_ERRORS = (ArchiveLoadFailed, zlib.error, EOFError, ValueError, OSError, AttributeError)

_DECODERS = {"gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate", "br": "br"}


@dataclass
class ArchivedRecord:
    """One WARC record read back: its WARC headers, HTTP head (if any) and payload as stored."""

    path: str
    offset: int
    length: int | None
    record_type: str
    target_uri: str
    record_id: str
    warc_headers: Headers
    payload: bytes
    http_status: int | None = None
    http_protocol: str | None = None
    http_headers: Headers | None = None
    http_head: bytes = field(default=b"", repr=False)

    def header(self, name: str) -> str | None:
        """A WARC header's value (case-insensitive), or None."""
        return header_value(self.warc_headers, name)

    def http_header(self, name: str) -> str | None:
        """An HTTP header's value (case-insensitive), or None."""
        return header_value(self.http_headers or [], name)


def resolve_warc_path(directory: str | Path, filename: str) -> Path:
    """The path of ``filename`` in ``directory``, or of its ``.open`` twin while it is being written."""
    path = Path(directory) / filename
    if not path.exists():
        open_path = path.with_name(path.name + OPEN_SUFFIX)
        if open_path.exists():
            return open_path
    return path


def read_record(path: str | Path, offset: int, *, expected_length: int | None = None) -> ArchivedRecord:
    """Read the record that starts at ``offset`` in ``path`` (one seek).

    Raises :class:`RecordNotFound` for a missing file or an offset outside it, and
    :class:`CorruptRecord` when the bytes there are not one whole record.
    """
    path = Path(path)
    if offset < 0:
        raise RecordNotFound("negative offset", path=str(path), offset=offset)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise RecordNotFound("WARC file not found", path=str(path), offset=offset) from None
    except OSError as exc:
        raise WarcError(f"cannot open WARC file: {exc.strerror}", path=str(path)) from exc
    with handle:
        size = path.stat().st_size
        if offset >= size:
            raise RecordNotFound(f"offset is past the end of the file ({size} bytes)", path=str(path), offset=offset)
        handle.seek(offset)
        if handle.read(5)[:2] != b"\x1f\x8b" and not _starts_record(handle, offset):
            raise CorruptRecord("no WARC record starts here", path=str(path), offset=offset)
        handle.seek(offset)
        try:
            iterator = ArchiveIterator(handle, check_digests=False)
            record = next(iterator)
            result = _load(record, path, offset)
            iterator.read_to_end(record)
            length = iterator.get_record_length()
        except StopIteration:
            raise CorruptRecord("no WARC record starts here", path=str(path), offset=offset) from None
        except _PARSE_ERRORS as exc:
            raise CorruptRecord(f"unreadable WARC record: {exc}", path=str(path), offset=offset) from exc
    result.length = length
    if expected_length is not None and length != expected_length:
        raise CorruptRecord(
            f"record is {length} bytes long, catalogue says {expected_length}", path=str(path), offset=offset
        )
    return result


def _starts_record(handle: BinaryIO, offset: int) -> bool:
    handle.seek(offset)
    return handle.read(5) == b"WARC/"


def iter_records(path: str | Path) -> Iterator[ArchivedRecord]:
    """Every record of ``path`` in order, each with its offset and (compressed) length.

    A damaged tail raises :class:`CorruptRecord` after the good records before it.
    """
    path = Path(path)
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise RecordNotFound("WARC file not found", path=str(path)) from None
    with handle:
        iterator = ArchiveIterator(handle, check_digests=False)
        offset = 0
        try:
            for record in iterator:
                # Load before asking for the offset: warcio consumes the record to compute it.
                result = _load(record, path, offset)
                iterator.read_to_end(record)
                result.offset = offset = iterator.get_record_offset()
                result.length = iterator.get_record_length()
                offset += result.length
                yield result
            size = path.stat().st_size
            if offset < size:
                raise CorruptRecord(f"{size - offset} bytes at the end are not a complete record",
                                    path=str(path), offset=offset)
        except _PARSE_ERRORS as exc:
            raise CorruptRecord(f"unreadable WARC record: {exc}", path=str(path), offset=offset) from exc


@dataclass(frozen=True)
class ScanProblem:
    """Bytes in a WARC file that are not a readable record, from ``offset`` to ``resume_at``."""

    path: str
    offset: int
    resume_at: int | None
    message: str


def scan_file(path: str | Path) -> Iterator[ArchivedRecord | ScanProblem]:
    """Every record of ``path``, and a :class:`ScanProblem` for each damaged stretch.

    Unlike :func:`iter_records`, a damaged record does not end the scan: the scan resumes at
    the next gzip member that reads as a record, so the records after the damage still count.
    """
    path = Path(path)
    size = path.stat().st_size
    offset = 0
    while offset < size:
        try:
            record = read_record(path, offset)
        except WarcError as exc:
            resume = _next_member(path, offset + 1, size)
            yield ScanProblem(str(path), offset, resume, str(exc))
            if resume is None:
                return
            offset = resume
            continue
        yield record
        offset += record.length or 0
        if not record.length:
            return


def _next_member(path: Path, start: int, size: int) -> int | None:
    """Offset of the next gzip member at or after ``start`` that reads as a WARC record."""
    with open(path, "rb") as handle:
        position = start
        while position < size:
            handle.seek(position)
            chunk = handle.read(1 << 20)
            found = chunk.find(b"\x1f\x8b\x08")
            if found < 0:
                position += max(len(chunk) - 2, 1)
                continue
            candidate = position + found
            try:
                read_record(path, candidate)
                return candidate
            except WarcError:
                position = candidate + 1
    return None


def read_raw(path: str | Path, offset: int, length: int) -> bytes:
    """The stored bytes of a record (one gzip member for our files), exactly as on disk."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    if len(data) != length:
        raise RecordNotFound(f"only {len(data)} of {length} bytes are there", path=str(path), offset=offset)
    return data


def decode_payload(record: ArchivedRecord) -> bytes:
    """The payload with transfer and content encodings undone (chunked, gzip, deflate, br)."""
    data = record.payload
    if not record.http_headers:
        return data
    if (record.http_header("Transfer-Encoding") or "").lower() == "chunked":
        data = ChunkedDataReader(io.BytesIO(data)).read()
    encoding = (record.http_header("Content-Encoding") or "").strip().lower()
    decoder = _DECODERS.get(encoding)
    if decoder and data:
        try:
            data = DecompressingBufferedReader(io.BytesIO(data), decomp_type=decoder).read()
        except (zlib.error, OSError, ValueError) as exc:
            raise CorruptRecord(
                f"payload is not valid {encoding}: {exc}", path=record.path, offset=record.offset
            ) from exc
    return data


def _load(record: object, path: Path, offset: int) -> ArchivedRecord:
    warc = record.rec_headers  # type: ignore[attr-defined]
    http = record.http_headers  # type: ignore[attr-defined]
    stream: BinaryIO = record.raw_stream  # type: ignore[attr-defined]
    payload = stream.read()
    if getattr(stream, "limit", 0) > 0:  # warcio's LimitReader: bytes promised but never read
        raise CorruptRecord("record is cut short", path=str(path), offset=offset)
    head = http.to_bytes() if http else b""
    status = None
    if http is not None and record.rec_type in ("response", "revisit") and http.statusline:  # type: ignore[attr-defined]
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
    return ArchivedRecord(
        path=str(path),
        offset=offset,
        length=None,
        record_type=record.rec_type,  # type: ignore[attr-defined]
        target_uri=warc.get_header("WARC-Target-URI") or "",
        record_id=warc.get_header("WARC-Record-ID") or "",
        warc_headers=list(warc.headers),
        payload=payload,
        http_status=status,
        http_protocol=http.protocol if http else None,
        http_headers=list(http.headers) if http else None,
        http_head=head,
    )
