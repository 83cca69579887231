"""Export captures as one WARC file: their records copied byte for byte from the archive.

For each capture: its ``response`` (or ``revisit``) record and the ``request`` record written
with it; for a revisit, also the response it refers to (and that one's request), so the
export replays on its own; the captures of the page's requisites (images, stylesheets, fonts:
see :mod:`storage.requisites`) and theirs; the article's ``conversion`` record and the ``metadata`` record
written beside it; each page's renderings (screenshots, rendered DOM: ``resource`` records,
:mod:`storage.renderings`); and the ``warcinfo`` record of every source file a record comes from (the
records name it in ``WARC-Warcinfo-ID``). Records are copied in archive order (source file,
then offset). Our records are one gzip member each; each member is checked to end exactly
where the catalogue says while it is copied. A record from an uncompressed source file is
gzipped on the way (its bytes inside the member are unchanged); a record of an ARC file is
written as the WARC record the reader sees in it (:mod:`storage.warc.arc`, block unchanged).
"""

from __future__ import annotations

import gzip
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.catalogue import queries
from storage.catalogue.models import Capture, Rendering
from storage.errors import CorruptRecord, RecordNotFound, WarcError
from storage.requisites import requisite_capture_ids
from storage.warc.arc import arc_record_as_warc
from storage.warc.naming import ARC_SUFFIXES
from storage.warc.reader import ArchivedRecord, iter_records, read_record, resolve_warc_path

__all__ = ["RecordSpan", "WarcExport", "export_warc", "plan_records"]

log = logging.getLogger(__name__)
_CHUNK = 1 << 20


@dataclass(frozen=True, order=True)
class RecordSpan:
    """Where one record lies: file name (in the WARC directory), offset, length; and what it is."""

    filename: str
    offset: int
    length: int
    record_type: str
    record_id: str


@dataclass
class WarcExport:
    """What an export wrote."""

    captures: int = 0
    records: int = 0
    bytes: int = 0
    record_ids: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)


def export_warc(session: Session, warc_dir: Path, capture_ids: Iterable[int], out: BinaryIO) -> WarcExport:
    """Write the records of these captures (see the module docstring) to ``out``; return a summary.

    Captures without a WARC record (failed fetches) are skipped. A record the catalogue
    points at that cannot be found raises :class:`~storage.errors.WarcError`; a request or
    metadata record that cannot be found is noted in ``missing`` and skipped.
    """
    spans, summary = plan_records(session, warc_dir, capture_ids)
    handles: dict[str, BinaryIO] = {}
    try:
        for span in spans:
            handle = handles.get(span.filename)
            if handle is None:
                for old in handles.values():
                    old.close()
                handles = {span.filename: _open_source(warc_dir, span.filename)}
                handle = handles[span.filename]
            summary.bytes += _copy(handle, span, out)
            summary.records += 1
            summary.record_ids.add(span.record_id)
    finally:
        for handle in handles.values():
            handle.close()
    log.info("exported %d records of %d captures (%d bytes)", summary.records, summary.captures, summary.bytes)
    return summary


def plan_records(session: Session, warc_dir: Path, capture_ids: Iterable[int]) -> tuple[list[RecordSpan], WarcExport]:
    """The records to copy for these captures, in archive order, and a summary to fill in."""
    summary = WarcExport()
    pages = list(capture_ids)
    # A page goes with its requisites (images, stylesheets, fonts), so it replays complete.
    captures = queries.captures_by_ids(session, sorted(set(pages) | requisite_capture_ids(session, pages)))
    summary.captures = sum(1 for c in captures.values() if c.warc_file)
    originals = {c.revisit_of_id for c in captures.values() if c.record_type == "revisit" and c.revisit_of_id}
    captures.update(queries.captures_by_ids(session, sorted(originals - set(captures))))
    finder = _RecordFinder(warc_dir)
    spans: set[RecordSpan] = set()
    for capture in captures.values():
        spans.update(_capture_spans(capture, finder, summary))
    spans.update(_rendering_spans(session, pages))
    for filename in sorted({span.filename for span in spans}):
        found = finder.at(filename, 0)
        if found is not None and found[1].record_type == "warcinfo":
            spans.add(found[0])
    return sorted(spans), summary


def _capture_spans(capture: Capture, finder: _RecordFinder, summary: WarcExport) -> list[RecordSpan]:
    if not capture.warc_file or capture.warc_offset is None or capture.warc_length is None:
        return []
    spans = [RecordSpan(capture.warc_file, capture.warc_offset, capture.warc_length,
                        capture.record_type or "response", capture.record_id or "")]
    if capture.request_record_id:
        request = finder.find(capture.warc_file, capture.request_record_id,
                              near=capture.warc_offset + capture.warc_length)
        if request is None:
            summary.missing.append(f"request record {capture.request_record_id} of capture {capture.id}")
        else:
            spans.append(request)
    article = capture.article
    if article is not None and article.conversion_file and article.conversion_offset is not None:
        conversion = RecordSpan(article.conversion_file, article.conversion_offset, article.conversion_length or 0,
                                "conversion", article.conversion_record_id or "")
        if not conversion.length:
            found = finder.at(conversion.filename, conversion.offset)
            conversion = found[0] if found else conversion
        spans.append(conversion)
        beside = finder.at(conversion.filename, conversion.offset + conversion.length)
        if beside is not None and beside[1].record_type == "metadata" and (
                beside[1].header("WARC-Concurrent-To") == conversion.record_id):
            spans.append(beside[0])
    return spans


def _rendering_spans(session: Session, pages: list[int]) -> list[RecordSpan]:
    """The ``resource`` records of the pages' renderings (what a browser made of each page)."""
    spans: list[RecordSpan] = []
    for start in range(0, len(pages), 500):
        rows = session.scalars(select(Rendering).where(Rendering.page_capture_id.in_(pages[start:start + 500])))
        spans.extend(RecordSpan(r.warc_file, r.warc_offset, r.warc_length, "resource", r.record_id) for r in rows)
    return spans


class _RecordFinder:
    """Reads records by place, and finds one by id (next to where it should be, else by a scan)."""

    def __init__(self, warc_dir: Path) -> None:
        self.warc_dir = warc_dir
        self._by_id: dict[str, dict[str, RecordSpan]] = {}

    def at(self, filename: str, offset: int) -> tuple[RecordSpan, ArchivedRecord] | None:
        try:
            record = read_record(resolve_warc_path(self.warc_dir, filename), offset)
        except (RecordNotFound, CorruptRecord):
            return None
        span = RecordSpan(filename, offset, record.length or 0, record.record_type, record.record_id)
        return span, record

    def find(self, filename: str, record_id: str, *, near: int) -> RecordSpan | None:
        found = self.at(filename, near)
        if found is not None and found[0].record_id == record_id:
            return found[0]
        if filename not in self._by_id:
            self._by_id[filename] = self._scan(filename)
        return self._by_id[filename].get(record_id)

    def _scan(self, filename: str) -> dict[str, RecordSpan]:
        spans: dict[str, RecordSpan] = {}
        try:
            for record in iter_records(resolve_warc_path(self.warc_dir, filename)):
                spans[record.record_id] = RecordSpan(filename, record.offset, record.length or 0,
                                                     record.record_type, record.record_id)
        except WarcError as exc:
            log.debug("stopped reading %s: %s", filename, exc)  # what is then missing is reported by the caller
        return spans


def _open_source(warc_dir: Path, filename: str) -> BinaryIO:
    """A source WARC file opened for reading; a missing one is a :class:`RecordNotFound`."""
    path = resolve_warc_path(warc_dir, filename)
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by export_warc
    except FileNotFoundError:
        raise RecordNotFound("WARC file not found", path=str(path)) from None


def _copy(handle: BinaryIO, span: RecordSpan, out: BinaryIO) -> int:
    """Copy one record; check that its gzip member ends exactly at the span's end."""
    if _is_arc(span):
        return _copy_arc(handle, span, out)
    handle.seek(span.offset)
    if handle.read(2) != b"\x1f\x8b":
        handle.seek(span.offset)
        data = handle.read(span.length)
        if len(data) != span.length:
            raise RecordNotFound("file ends inside the record", path=span.filename, offset=span.offset)
        packed = gzip.compress(data, mtime=0)
        out.write(packed)
        return len(packed)
    handle.seek(span.offset)
    inflater = zlib.decompressobj(wbits=31)
    remaining = span.length
    while remaining:
        chunk = handle.read(min(_CHUNK, remaining))
        if not chunk:
            raise RecordNotFound("file ends inside the record", path=span.filename, offset=span.offset)
        try:
            inflater.decompress(chunk)
        except zlib.error as exc:
            raise CorruptRecord(f"record is not a valid gzip member: {exc}", path=span.filename,
                                offset=span.offset) from exc
        out.write(chunk)
        remaining -= len(chunk)
    if not inflater.eof or inflater.unused_data:
        raise CorruptRecord(f"the {span.length} bytes catalogued are not exactly one gzip member",
                            path=span.filename, offset=span.offset)
    return span.length


def _is_arc(span: RecordSpan) -> bool:
    """Whether the record at ``span`` is an ARC record: ARC files are catalogued under ARC names (reindex)."""
    return span.filename.endswith(ARC_SUFFIXES)


def _copy_arc(handle: BinaryIO, span: RecordSpan, out: BinaryIO) -> int:
    """Write the ARC record at ``span`` as a WARC record (one gzip member)."""
    handle.seek(span.offset)
    raw = handle.read(span.length)
    if len(raw) != span.length:
        raise RecordNotFound("file ends inside the record", path=span.filename, offset=span.offset)
    record = read_record(handle.name, span.offset, expected_length=span.length)
    plain = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    packed = gzip.compress(arc_record_as_warc(record.warc_headers, plain), mtime=0)
    out.write(packed)
    return len(packed)
