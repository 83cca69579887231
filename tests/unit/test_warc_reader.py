"""The WARC reader: one seek per record, clear errors for bad places and damaged files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from support.warc_samples import write_sample_file

from storage import CorruptRecord, RecordNotFound, StorageError
from storage.warc import iter_records, read_record, resolve_warc_path


def test_iter_records_reports_offsets_that_read_record_accepts(tmp_path: Path) -> None:
    path, _ = write_sample_file(tmp_path)
    records = list(iter_records(path))
    assert records[0].offset == 0
    for previous, current in zip(records, records[1:], strict=False):
        assert current.offset == previous.offset + previous.length
    assert records[-1].offset + records[-1].length == path.stat().st_size
    for record in records:
        again = read_record(path, record.offset, expected_length=record.length)
        assert (again.record_id, again.payload) == (record.record_id, record.payload)


def test_offset_past_end_raises_storage_error(tmp_path: Path) -> None:
    path, _ = write_sample_file(tmp_path)
    with pytest.raises(RecordNotFound, match="past the end"):
        read_record(path, path.stat().st_size + 10)
    with pytest.raises(StorageError):
        read_record(path, -1)


def test_missing_file_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(RecordNotFound, match="not found"):
        read_record(tmp_path / "nope.warc.gz", 0)


def test_offset_inside_a_record_is_corrupt_not_a_crash(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    with pytest.raises(CorruptRecord):
        read_record(path, written["first"].response.offset + 7)


def test_wrong_expected_length_is_reported(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    loc = written["first"].response
    with pytest.raises(CorruptRecord, match="catalogue says"):
        read_record(path, loc.offset, expected_length=loc.length + 1)


def test_cut_record_is_corrupt(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    loc = written["first"].response
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[: loc.offset + loc.length // 2])
    with pytest.raises(CorruptRecord):
        read_record(cut, loc.offset)
    with pytest.raises(CorruptRecord):
        list(iter_records(cut))


def test_uncompressed_record_cut_short_is_corrupt(tmp_path: Path) -> None:
    path, written = write_sample_file(tmp_path)
    loc = written["conversion"]
    raw = gzip.decompress(path.read_bytes()[loc.offset: loc.offset + loc.length])
    plain = tmp_path / "plain.warc"
    plain.write_bytes(raw[:-10])
    with pytest.raises(CorruptRecord, match="cut short"):
        read_record(plain, 0)


def test_resolve_falls_back_to_open_name(tmp_path: Path) -> None:
    (tmp_path / "a.warc.gz.open").write_bytes(b"")
    assert resolve_warc_path(tmp_path, "a.warc.gz").name == "a.warc.gz.open"
    (tmp_path / "a.warc.gz").write_bytes(b"")
    assert resolve_warc_path(tmp_path, "a.warc.gz").name == "a.warc.gz"


def test_response_without_target_uri_is_corrupt_not_a_crash(tmp_path: Path) -> None:
    # warcio itself fails with AttributeError here (it calls startswith on the missing URI).
    block = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    record = (b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
              b"WARC-Date: 2026-11-30T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
              b"Content-Length: " + str(len(block)).encode() + b"\r\n\r\n" + block + b"\r\n\r\n")
    path = tmp_path / "no-uri.warc"
    path.write_bytes(record)
    with pytest.raises(CorruptRecord):
        read_record(path, 0)
    with pytest.raises(CorruptRecord):
        list(iter_records(path))
