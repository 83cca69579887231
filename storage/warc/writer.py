"""Write WARC/1.1 files: one gzip member per record, rotated by size, crash-safe.

This is the only module that imports warcio's writer. A :class:`WarcWriter` owns one
directory; it opens ``PREFIX-…warc.gz.open``, starts it with a ``warcinfo`` record, appends
records, and renames the file to its final ``.warc.gz`` name when it is closed or rotated.

Each record is built in memory and appended with one write, then flushed before its
location is returned, so a process killed at any moment leaves at most one incomplete
record, at the end of an ``.open`` file; closed files only ever hold whole records.
Locations always name the *final* file name: while a file is open the reader falls back to
the ``.open`` name.

A write that fails (a full disk: :class:`storage.errors.DiskFullError`, naming the file and the
space left) is cut back out at once, so the open file still ends on a whole record. Callers
that catalogue what they write put the catalogue rows inside :meth:`WarcWriter.atomic`: a row
that cannot be committed takes its records back out of the file (:meth:`WarcWriter.discard`).
"""

from __future__ import annotations

import base64
import errno
import hashlib
import io
import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter as _WarcioWriter

from storage.errors import DiskFullError, WarcWriteError
from storage.timefmt import format_iso, parse_iso
from storage.warc.http import HOP_BY_HOP_FRAMING, Headers, HttpRequest, HttpResponse, reads_back, stored_head
from storage.warc.naming import OPEN_SUFFIX, warc_filename
from storage.warc.renamed import RENAMED_FIELD, checker_safe_head, checker_safe_headers

__all__ = [
    "IDENTICAL_PAYLOAD_DIGEST",
    "SERVER_NOT_MODIFIED",
    "ExchangeLocation",
    "RecordLocation",
    "RevisitTarget",
    "WarcWriter",
    "WriterMark",
    "fsync_dir",
    "payload_digest",
    "warc_date",
]

log = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
TRUNCATED_REASONS = frozenset({"length", "time", "disconnect", "unspecified"})
# Statuses (and HEAD requests) whose responses have no body whatever Content-Length says.
_NO_BODY_STATUSES = frozenset({204, 304}) | frozenset(range(100, 200))
#: errno values that mean the file system has no room left (space or quota).
_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def payload_digest(data: bytes) -> str:
    """``sha1:BASE32`` digest of ``data``, the form WARC-Payload-Digest uses."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def warc_date(when: datetime) -> str:
    """WARC-Date value: UTC, ISO 8601, microseconds (WARC/1.1 allows sub-second precision)."""
    return format_iso(when, timespec="microseconds")


@dataclass(frozen=True)
class RecordLocation:
    """Where a record landed and what identifies it."""

    filename: str
    offset: int
    length: int
    record_id: str
    record_type: str
    target_uri: str
    date: datetime
    payload_digest: str | None
    block_digest: str | None


@dataclass(frozen=True)
class ExchangeLocation:
    """The records written for one HTTP exchange."""

    response: RecordLocation
    request: RecordLocation


@dataclass(frozen=True)
class WriterMark:
    """A place in a writer's output (:meth:`WarcWriter.mark`): the open file's name and offset."""

    filename: str | None
    offset: int


#: WARC/1.1 revisit profiles: the payload's digest matched an earlier one; the server said 304.
IDENTICAL_PAYLOAD_DIGEST = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"


@dataclass(frozen=True)
class RevisitTarget:
    """The earlier response a revisit record points at.

    ``not_modified`` False: the payload's digest matched it (profile identical-payload-digest).
    True: the server answered a conditional request with 304 Not Modified (profile
    server-not-modified); the record then keeps the 304's headers, and ``payload_digest`` (the
    ``WARC-Payload-Digest`` of the record referred to) as its own ``WARC-Payload-Digest``: the
    payload it stands for is the original's, and indexes (pywb's, cdxj-indexer's, ReplayWeb.page's)
    link the revisit to its original by it. (pywb 2.10 still replays any 3xx revisit as it is.)
    """

    target_uri: str
    date: datetime
    record_id: str
    not_modified: bool = False
    payload_digest: str | None = None


class WarcWriter:
    """Appends records to rotating WARC files in ``directory``.

    ``warcinfo`` is written at the start of each file (software, format and whatever the
    caller puts in it, e.g. crawl settings). ``max_size`` is the size after which the next
    record goes to a new file. ``fsync_interval`` (seconds) bounds how much a power loss can
    take; 0 fsyncs after every record. Safe to use from several threads.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        prefix: str = "ARCHIVER",
        max_size: int = 10**9,
        warcinfo: Mapping[str, object] | None = None,
        fsync_interval: float = 5.0,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.fsync_interval = fsync_interval
        self._warcinfo = {
            "software": _software(),
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": os.uname().nodename,
            **(warcinfo or {}),
        }
        self._builder = RecordBuilder(warc_version=WARC_VERSION)
        self._lock = threading.RLock()
        self._file: io.FileIO | None = None
        self._name: str | None = None
        self._warcinfo_id: str | None = None
        self._serial = 0
        self._last_fsync = 0.0
        self.closed_files: list[Path] = []
        #: The first write that found no space left, if one did (the file was cut back to its last whole record).
        self.disk_full: DiskFullError | None = None

    # ------------------------------------------------------------------ public API
    @property
    def current_file(self) -> Path | None:
        """The ``.open`` path being written, if any."""
        return self.directory / (self._name + OPEN_SUFFIX) if self._name else None

    def write_exchange(
        self,
        url: str,
        request: HttpRequest,
        response: HttpResponse,
        *,
        fetched_at: datetime | None = None,
        ip_address: str | None = None,
        truncated: str | None = None,
        revisit_of: RevisitTarget | None = None,
        flags: Sequence[str] = (),
    ) -> ExchangeLocation:
        """Write a request and its response (or a revisit of an identical earlier payload).

        ``flags`` (e.g. ``decoded-limit``) are written in the response record's
        ``Archiver-Flags`` field, comma-separated, so a reindex gives the capture its flags back.

        The response's head is stored as received when the response carries it
        (``raw_head``), else rebuilt from its parsed headers: see :func:`_stored_response_head`.
        The body is stored as given (de-chunked, still content-encoded); the payload digest is
        the sha1 of those bytes.
        """
        _check_uri(url)
        if truncated is not None and truncated not in TRUNCATED_REASONS:
            raise WarcWriteError(f"WARC-Truncated must be one of {sorted(TRUNCATED_REASONS)}, got {truncated!r}")
        when = fetched_at or datetime.now(UTC)
        http_headers, notes = _stored_response_head(request, response, truncated)
        digest = payload_digest(response.body)
        fields: dict[str, str] = {
            "WARC-Type": "revisit" if revisit_of else "response",
            "WARC-Target-URI": url,
            "WARC-Date": warc_date(when),
        }
        if ip_address:
            fields["WARC-IP-Address"] = ip_address
        if flags:
            fields[FLAGS_FIELD] = ", ".join(dict.fromkeys(flags))
        fields.update(notes)

        with self._lock:
            self._ensure_file()
            fields["WARC-Warcinfo-ID"] = self._warcinfo_id or ""
            if revisit_of is not None and revisit_of.not_modified:
                fields.update({
                    "WARC-Refers-To": revisit_of.record_id, "WARC-Profile": SERVER_NOT_MODIFIED,
                    "WARC-Refers-To-Target-URI": revisit_of.target_uri,
                    "WARC-Refers-To-Date": warc_date(revisit_of.date),
                })
                if revisit_of.payload_digest:
                    fields["WARC-Payload-Digest"] = revisit_of.payload_digest
                record = self._builder.create_warc_record(url, "revisit", http_headers=http_headers,
                                                          warc_headers_dict=fields)
            elif revisit_of is not None:
                fields["WARC-Refers-To"] = revisit_of.record_id
                record = self._builder.create_revisit_record(
                    url, digest, revisit_of.target_uri, warc_date(revisit_of.date),
                    http_headers=http_headers, warc_headers_dict=fields,
                )
            else:
                if truncated:
                    fields["WARC-Truncated"] = truncated
                fields["WARC-Payload-Digest"] = digest
                record = self._builder.create_warc_record(
                    url, "response", payload=io.BytesIO(response.body), length=len(response.body),
                    http_headers=http_headers, warc_headers_dict=fields,
                )
            response_id = record.rec_headers.get_header("WARC-Record-ID")
            req_fields = {
                "WARC-Type": "request",
                "WARC-Target-URI": url,
                "WARC-Date": fields["WARC-Date"],
                "WARC-Warcinfo-ID": fields["WARC-Warcinfo-ID"],
                "WARC-Concurrent-To": response_id,
            }
            req_record = self._builder.create_warc_record(
                url, "request", payload=io.BytesIO(request.body), length=len(request.body),
                http_headers=StatusAndHeaders(request.request_line, _headers(request.headers), is_http_request=True),
                warc_headers_dict=req_fields,
            )
            # One write for both: a failure (a full disk) leaves neither behind.
            response_loc, request_loc = self._append(record, req_record)
            self._maybe_fsync()
        return ExchangeLocation(response=response_loc, request=request_loc)

    def write_record(
        self,
        record_type: str,
        url: str,
        payload: bytes,
        *,
        content_type: str,
        refers_to: str | None = None,
        concurrent_to: str | None = None,
        date: datetime | None = None,
        extra_headers: Mapping[str, str] | None = None,
    ) -> RecordLocation:
        """Write a ``conversion``, ``metadata`` or ``resource`` record holding ``payload``."""
        if record_type not in ("conversion", "metadata", "resource"):
            raise WarcWriteError(f"write_record writes conversion, metadata or resource records, not {record_type!r}")
        _check_uri(url)
        fields = {"WARC-Type": record_type, "WARC-Target-URI": url, "WARC-Date": warc_date(date or datetime.now(UTC))}
        if refers_to:
            fields["WARC-Refers-To"] = refers_to
        if concurrent_to:
            fields["WARC-Concurrent-To"] = concurrent_to
        fields.update(extra_headers or {})
        with self._lock:
            self._ensure_file()
            fields["WARC-Warcinfo-ID"] = self._warcinfo_id or ""
            record = self._builder.create_warc_record(
                url, record_type, payload=io.BytesIO(payload), length=len(payload),
                warc_content_type=content_type, warc_headers_dict=fields,
            )
            [location] = self._append(record)
            self._maybe_fsync()
        return location

    def mark(self) -> WriterMark:
        """Where the next record would go now: give it to :meth:`discard` to take back what follows."""
        with self._lock:
            if self._file is None or self._name is None:
                return WriterMark(None, 0)
            return WriterMark(self._name, self._file.tell())

    def discard(self, mark: WriterMark) -> None:
        """Remove every record written since ``mark`` (the caller could not catalogue them).

        The open file is cut back to ``mark`` (it then ends on the last whole record before
        it); a file opened since ``mark`` holds nothing but what is discarded and its warcinfo,
        and is removed. Hold the writer's place yourself (one thread writes, or a lock around
        write and discard) so that no other caller's record lies after ``mark``.
        """
        with self._lock:
            if self._file is None or self._name is None:
                return
            if self._name == mark.filename:
                end = self._file.tell()
                if end > mark.offset:
                    self._cut(mark.offset)
                    log.info("discarded %d bytes from %s: their catalogue rows could not be written",
                                end - mark.offset, self._name + OPEN_SUFFIX)
            else:
                self._remove_current()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A block whose records are all kept, or all discarded when it raises (see :meth:`discard`).

        The writer's lock is held for the whole block, so put the catalogue rows of the records
        inside it too: a row that cannot be written then takes its records with it.
        """
        with self._lock:
            mark = self.mark()
            try:
                yield
            except BaseException:
                self.discard(mark)
                raise

    def rotate(self) -> None:
        """Close the current file (if any); the next record starts a new one."""
        with self._lock:
            self._close_current()

    def close(self) -> None:
        """Flush, fsync and close the current file under its final name."""
        self.rotate()

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ internals
    def _ensure_file(self) -> None:
        if self._file is not None and self._file.tell() >= self.max_size:
            self._close_current()
        if self._file is None:
            self._open_new()

    def _open_new(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._serial += 1
        name = warc_filename(self.prefix, self._serial, pid=os.getpid())
        path = self.directory / (name + OPEN_SUFFIX)
        try:
            # Unbuffered: each record is one write of bytes built in memory, and a failed write
            # leaves nothing in a buffer to be written behind a later record.
            self._file = open(path, "xb", buffering=0)  # noqa: SIM115 - lives until close()
        except OSError as exc:
            if exc.errno in _NO_SPACE:
                raise self._full(DiskFullError(path, what="create")) from exc
            raise WarcWriteError(f"cannot create WARC file: {exc.strerror}", path=str(path)) from exc
        self._name = name
        record = self._builder.create_warcinfo_record(name, self._warcinfo)
        self._warcinfo_id = record.rec_headers.get_header("WARC-Record-ID")
        try:
            self._append(record)
        except WarcWriteError:
            self._remove_current()  # not even its warcinfo fits: leave no empty file behind
            raise
        log.info("opened WARC file %s", path)

    def _append(self, *records: object) -> list[RecordLocation]:
        """Append ``records`` with one write; on failure the file is cut back to where it was."""
        assert self._file is not None and self._name is not None
        blobs = []
        for record in records:
            buffer = io.BytesIO()
            try:
                _WarcioWriter(buffer, gzip=True).write_record(record)
            except (ValueError, TypeError, UnicodeError) as exc:
                raise WarcWriteError(f"cannot build WARC record: {exc}") from exc
            blobs.append(buffer.getvalue())
        offset = self._file.tell()
        try:
            _write_all(self._file, b"".join(blobs))
        except OSError as exc:
            # Cut the file back so it ends on its last whole record, then say why.
            self._cut(offset)
            path = self.directory / (self._name + OPEN_SUFFIX)
            if exc.errno in _NO_SPACE:
                raise self._full(DiskFullError(path)) from exc
            raise WarcWriteError(f"cannot write WARC record: {exc.strerror}", path=str(path)) from exc
        locations = []
        for record, blob in zip(records, blobs, strict=True):
            headers = record.rec_headers  # type: ignore[attr-defined]
            locations.append(RecordLocation(
                filename=self._name,
                offset=offset,
                length=len(blob),
                record_id=headers.get_header("WARC-Record-ID"),
                record_type=headers.get_header("WARC-Type"),
                target_uri=headers.get_header("WARC-Target-URI") or "",
                date=parse_iso(headers.get_header("WARC-Date")),
                payload_digest=headers.get_header("WARC-Payload-Digest"),
                block_digest=headers.get_header("WARC-Block-Digest"),
            ))
            offset += len(blob)
        return locations

    def _full(self, exc: DiskFullError) -> DiskFullError:
        if self.disk_full is None:
            self.disk_full = exc
        return exc

    def _cut(self, offset: int) -> None:
        """Cut the open file back to ``offset`` (needs no free space)."""
        assert self._file is not None
        os.ftruncate(self._file.fileno(), offset)
        self._file.seek(offset)

    def _remove_current(self) -> None:
        """Close and delete the open file: it holds nothing worth keeping."""
        if self._file is None or self._name is None:
            return
        path = self.directory / (self._name + OPEN_SUFFIX)
        self._file.close()
        path.unlink(missing_ok=True)
        log.warning("removed %s: nothing but its warcinfo record was left in it", path)
        self._file = None
        self._name = None
        self._warcinfo_id = None

    def _maybe_fsync(self) -> None:
        now = time.monotonic()
        if self._file is not None and now - self._last_fsync >= self.fsync_interval:
            os.fsync(self._file.fileno())
            self._last_fsync = now

    def _close_current(self) -> None:
        if self._file is None or self._name is None:
            return
        open_path = self.directory / (self._name + OPEN_SUFFIX)
        final_path = self.directory / self._name
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(open_path, final_path)
        fsync_dir(self.directory)
        log.info("closed WARC file %s", final_path)
        self.closed_files.append(final_path)
        self._file = None
        self._name = None
        self._warcinfo_id = None


def _write_all(file: io.FileIO, data: bytes) -> None:
    """Write all of ``data`` (an unbuffered write may take only part of it)."""
    view = memoryview(data)
    while view:
        written = file.write(view)
        if not written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        view = view[written:]


def _check_uri(url: str) -> None:
    if not url or not url.strip():
        raise WarcWriteError("a WARC record needs a target URI; got an empty one")
    if any(ch in url for ch in " \r\n\t"):
        raise WarcWriteError(f"target URI may not contain whitespace: {url!r}")


def _headers(headers: Headers) -> Headers:
    return [(str(k), str(v)) for k, v in headers]


#: WARC field naming the transfer coding(s) taken off the body, whose header lines are not stored.
TRANSFER_DECODED_FIELD = "Archiver-Transfer-Decoded"
#: WARC field of a response record: the capture's flags (e.g. ``decoded-limit``), comma-separated.
FLAGS_FIELD = "Archiver-Flags"
#: WARC field marking a response head rebuilt from parsed headers (the bytes received were not known).
HTTP_HEAD_FIELD = "Archiver-Http-Head"
#: WARC field of the protocol a response came over when it is not written in its own form (WARC-Protocol proposal).
PROTOCOL_FIELD = "WARC-Protocol"


class _RawStatusAndHeaders(StatusAndHeaders):  # type: ignore[misc]  # warcio has no type hints
    """warcio's status and headers, written as the given bytes instead of re-serialised."""

    def __init__(self, raw: bytes, statusline: str, headers: Headers, protocol: str) -> None:
        super().__init__(statusline, headers, protocol=protocol)
        self._raw = raw

    def compute_headers_buffer(self, header_filter: object = None) -> None:
        self.headers_buff = self._raw


def _stored_response_head(request: HttpRequest, response: HttpResponse,
                          truncated: str | None) -> tuple[StatusAndHeaders, dict[str, str]]:
    """The response's HTTP head as stored, and the WARC fields that say how it was made.

    With ``raw_head`` (the bytes received): those bytes. When the response had a body, its
    ``Transfer-Encoding`` lines are left out (the body is stored de-chunked; see
    :func:`storage.warc.http.stored_head`) and named in ``Archiver-Transfer-Decoded``;
    nothing else changes, and no ``Content-Length`` is added.

    A ``Content-Encoding: br`` line is stored renamed (``X-Archive-Orig-``), named in
    ``Archiver-Renamed-Headers``, so ``warcio check`` does not fall over: see :mod:`storage.warc.renamed`.

    Without it (another download handler, HTTP/2), or when WARC readers would find its end
    elsewhere than the client did (:func:`storage.warc.http.reads_back`): rebuilt from the
    parsed headers as before,
    ``Transfer-Encoding`` dropped and ``Content-Length`` set to the stored length, marked
    ``Archiver-Http-Head: rebuilt``. A response that came over another protocol than
    HTTP/1.x (``h2``) is written as HTTP/1.1, the form replay tools read, with its real
    protocol in ``WARC-Protocol``.
    """
    notes: dict[str, str] = {}
    protocol = response.protocol or "HTTP/1.1"
    if not protocol.upper().startswith("HTTP/"):
        notes[PROTOCOL_FIELD] = protocol.lower()
        protocol = "HTTP/1.1"
    has_body = request.method.upper() != "HEAD" and response.status not in _NO_BODY_STATUSES
    if response.raw_head is not None and reads_back(response.raw_head):
        raw = response.raw_head
        if has_body:
            raw, removed = stored_head(raw)
            if removed:
                notes[TRANSFER_DECODED_FIELD] = ", ".join(removed)
        raw, renamed = checker_safe_head(raw)
        parsed, _ = checker_safe_headers(_headers(response.headers))
        if renamed:
            notes[RENAMED_FIELD] = ", ".join(renamed)
        return _RawStatusAndHeaders(raw, response.status_line_tail, parsed, protocol), notes
    notes[HTTP_HEAD_FIELD] = "rebuilt"
    headers = [(k, v) for k, v in _headers(response.headers) if k.lower() not in HOP_BY_HOP_FRAMING]
    headers, renamed = checker_safe_headers(headers)
    if renamed:
        notes[RENAMED_FIELD] = ", ".join(renamed)
    if not truncated and has_body:
        length = str(len(response.body))
        for i, (key, _value) in enumerate(headers):
            if key.lower() == "content-length":
                headers[i] = (key, length)
                break
        else:
            headers.append(("Content-Length", length))
    return StatusAndHeaders(response.status_line_tail, headers, protocol=protocol), notes


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _software() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("news-archiver")
    except PackageNotFoundError:
        ours = "dev"
    return f"news-archiver/{ours} (warcio/{version('warcio')})"
