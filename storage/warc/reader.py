"""Read WARC records: one record by (file, offset), or every record of a file with its place.

Works on any WARC/1.0 or 1.1 file, gzipped per record or not, ours or another tool's, and on
ARC files (plain or gzipped per record), whose records are read as the WARC records warcio's
ARC conversion would make (with a record id derived from the record, so it is stable).
A record's length runs to where the next record starts: for a gzipped file, its gzip member;
for a plain file, the record and the blank lines that end it (warcio's own length leaves those
out). A file still being written is found under its ``.open`` name when the final name is absent.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import ChunkedDataReader
from warcio.exceptions import ArchiveLoadFailed

from storage.errors import CorruptRecord, RecordNotFound, WarcError
from storage.warc.arc import arc_as_warc
from storage.warc.content import (
    DEFAULT_MAX_DECODED_BYTES,
    DecodedTooLarge,
    UndecodableContent,
    codings_of,
    decode_content,
)
from storage.warc.formats import looks_like_arc_header
from storage.warc.http import Headers, header_value
from storage.warc.naming import OPEN_SUFFIX
from storage.warc.renamed import RENAMED_FIELD, restore_head, restore_headers

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

#: Content codings decode_payload undoes (zstd only with the zstandard module; else left as stored).
_DECODERS = frozenset({"gzip", "x-gzip", "deflate", "br"} | ({"zstd"} if find_spec("zstandard") else set()))


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
        if not _starts_record(handle, offset):
            raise CorruptRecord("no WARC or ARC record starts here", path=str(path), offset=offset)
        handle.seek(offset)
        try:
            iterator = ArchiveIterator(handle, check_digests=False, arc2warc=False)
            record = next(iterator)
            result = _load(record, path, offset)
            length = _record_length(iterator, path, offset)
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
    """Whether a gzip member, a WARC header or an ARC header line starts at ``offset``."""
    handle.seek(offset)
    head = handle.read(2048)
    return head[:2] == b"\x1f\x8b" or head.startswith(b"WARC/") or looks_like_arc_header(head.split(b"\n", 1)[0])


def _record_length(iterator: ArchiveIterator, path: Path, offset: int) -> int:
    """Bytes from ``offset`` to where the next record starts, once warcio has read the record.

    warcio's record length leaves out the blank lines after a record in a plain file; its
    running offset (where it will read next) does not. A gzip member that goes on after the
    record holds several records (a whole-file gzip): no seek can reach the later ones.
    """
    iterator.read_to_end()
    if iterator.reader.decompressor is not None and iterator.next_line:
        raise CorruptRecord("the gzip member holds more than one record (a whole-file gzip: repack it with "
                            "one gzip member per record, as `archiver reindex FILE` does)",
                            path=str(path), offset=offset)
    length: int = iterator.offset - offset
    if length <= 0:
        raise CorruptRecord("record has no length", path=str(path), offset=offset)
    return length


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
        iterator = ArchiveIterator(handle, check_digests=False, arc2warc=False)
        offset = 0
        try:
            for record in iterator:
                result = _load(record, path, offset)
                result.length = _record_length(iterator, path, offset)
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
    the next place (gzip member, or WARC/ARC header line in a plain file) that reads as a
    record, so the records after the damage still count.
    """
    path = Path(path)
    size = path.stat().st_size
    offset = 0
    while offset < size:
        try:
            record = read_record(path, offset)
        except WarcError as exc:
            resume = _next_record_start(path, offset + 1, size)
            yield ScanProblem(str(path), offset, resume, str(exc))
            if resume is None:
                return
            offset = resume
            continue
        yield record
        offset += record.length or size


# Where a record may start: a gzip member, or (in a plain file) a WARC or ARC header line.
_CANDIDATE = re.compile(rb"\x1f\x8b\x08|(?<=\n)WARC/1\.[01]\r?\n|(?<=\n)[A-Za-z][A-Za-z0-9+.\-]*:\S* \S+ \d{14}")


def _next_record_start(path: Path, start: int, size: int) -> int | None:
    """Offset of the next place at or after ``start`` that reads as a record, or None."""
    overlap = 64
    with open(path, "rb") as handle:
        position = start
        while position < size:
            base = max(position - 1, 0)  # one byte back, so a record start right after a newline matches
            handle.seek(base)
            chunk = handle.read(1 << 20)
            candidates = [base + m.start() for m in _CANDIDATE.finditer(chunk) if base + m.start() >= position]
            for candidate in candidates:
                try:
                    read_record(path, candidate)
                    return candidate
                except WarcError:
                    continue
            if base + len(chunk) >= size:
                return None
            position = base + len(chunk) - overlap
    return None


def read_raw(path: str | Path, offset: int, length: int) -> bytes:
    """The stored bytes of a record (one gzip member for our files), exactly as on disk."""
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    if len(data) != length:
        raise RecordNotFound(f"only {len(data)} of {length} bytes are there", path=str(path), offset=offset)
    return data


def decode_payload(record: ArchivedRecord, *, max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> bytes:
    """The payload with transfer and content encodings undone (chunked, gzip, deflate, br, zstd).

    Decoding stops past ``max_bytes`` (0: no limit) with :class:`~storage.warc.content.DecodedTooLarge`,
    so a compression bomb read back costs no more memory than it did when it was archived. A coding
    we have no decoder for (zstd without the ``zstandard`` module, an unknown one) raises
    :class:`~storage.warc.content.UndecodableContent`; damaged data raises :class:`CorruptRecord`.
    """
    data = record.payload
    if not record.http_headers:
        return data
    if (record.http_header("Transfer-Encoding") or "").lower() == "chunked":
        data = ChunkedDataReader(io.BytesIO(data)).read()
    codings = codings_of([value for name, value in record.http_headers if name.lower() == "content-encoding"])
    codings = [c for c in codings if c != "identity"]
    if codings and data:
        try:
            data = decode_content(codings, data, max_bytes)
        except DecodedTooLarge as exc:
            raise DecodedTooLarge(codings[-1], exc.limit, path=record.path, offset=record.offset) from None
        except UndecodableContent as exc:
            if not all(c in _DECODERS for c in codings):  # not damage: a coding we have no decoder for
                raise UndecodableContent(f"cannot decode the payload: {exc}", path=record.path,
                                         offset=record.offset) from None
            raise CorruptRecord(f"payload is not valid {', '.join(codings)}: {exc}", path=record.path,
                                offset=record.offset) from exc
    return data


def _load(record: object, path: Path, offset: int) -> ArchivedRecord:
    http = record.http_headers  # type: ignore[attr-defined]
    stream: BinaryIO = record.raw_stream  # type: ignore[attr-defined]
    payload = stream.read()
    if getattr(stream, "limit", 0) > 0:  # warcio's LimitReader: bytes promised but never read
        raise CorruptRecord("record is cut short", path=str(path), offset=offset)
    record_type = record.rec_type  # type: ignore[attr-defined]
    if record.format == "arc":  # type: ignore[attr-defined]
        record_type, warc_headers = arc_as_warc(record.rec_headers, record_type, offset)  # type: ignore[attr-defined]
    else:
        warc_headers = list(record.rec_headers.headers)  # type: ignore[attr-defined]
    head = http.to_bytes() if http else b""
    http_headers = list(http.headers) if http else None
    renamed = [n.strip() for n in (header_value(warc_headers, RENAMED_FIELD) or "").split(",") if n.strip()]
    if renamed and http_headers is not None:  # the head as received (storage.warc.renamed)
        head, http_headers = restore_head(head, renamed), restore_headers(http_headers, renamed)
    status = None
    if http is not None and record_type in ("response", "revisit") and http.statusline:
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
    return ArchivedRecord(
        path=str(path),
        offset=offset,
        length=None,
        record_type=record_type,
        target_uri=header_value(warc_headers, "WARC-Target-URI") or "",
        record_id=header_value(warc_headers, "WARC-Record-ID") or "",
        warc_headers=warc_headers,
        payload=payload,
        http_status=status,
        http_protocol=http.protocol if http else None,
        http_headers=http_headers,
        http_head=head,
    )
