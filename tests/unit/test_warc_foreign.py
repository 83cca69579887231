"""Reading files other tools wrote: plain WARC offsets, ARC, whole-file gzip, formats we refuse."""

from __future__ import annotations

import contextlib
import gzip
import io
import zlib
from pathlib import Path

import pytest
from support.foreign_files import ARC_PAGES, arc_records, lz4_bytes, warc_with_resources, write_arc
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from storage import CorruptRecord
from storage.errors import UnreadableFormat
from storage.reindex import is_capture
from storage.warc import iter_records, read_record
from storage.warc.formats import ArchiveFormat, sniff
from storage.warc.reader import ScanProblem, read_raw, scan_file
from storage.warc.repack import repack_per_record


def _warc_bytes(count: int, *, compress: bool) -> bytes:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=compress)
    writer.write_record(writer.create_warcinfo_record("x.warc", {"software": "test"}))
    for i in range(count):
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        body = b"<p>page %d</p>" % i
        writer.write_record(writer.create_warc_record(f"http://a.example/{i}", "response", payload=io.BytesIO(body),
                                                      length=len(body), http_headers=http))
    return buffer.getvalue()


def _warcio_places(path: Path) -> list[int]:
    with open(path, "rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=False)
        places = []
        for _record in iterator:
            iterator.read_to_end()
            places.append(iterator.get_record_offset())
        return places


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip-per-record"])
def test_every_record_reads_with_offsets_that_tile_the_file(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / ("x.warc.gz" if compress else "x.warc")
    path.write_bytes(_warc_bytes(5, compress=compress))
    records = list(iter_records(path))
    assert [r.target_uri for r in records[1:]] == [f"http://a.example/{i}" for i in range(5)]
    assert [r.offset for r in records] == _warcio_places(path)  # warcio's own offsets agree
    assert sum(r.length or 0 for r in records) == path.stat().st_size  # nothing between or after
    scanned = list(scan_file(path))
    assert not [s for s in scanned if isinstance(s, ScanProblem)]
    assert [(r.offset, r.length) for r in scanned] == [(r.offset, r.length) for r in records]
    for record in records:
        raw = read_raw(path, record.offset, record.length or 0)
        plain = gzip.decompress(raw) if compress else raw
        assert plain.startswith(b"WARC/1.") and plain.endswith(b"\r\n\r\n")  # the whole record, blank lines too
        assert read_record(path, record.offset, expected_length=record.length).record_id == record.record_id


def test_plain_warc_resyncs_after_damage(tmp_path: Path) -> None:
    data = _warc_bytes(3, compress=False)
    second = data.index(b"WARC/1.", data.index(b"http://a.example/0"))
    path = tmp_path / "damaged.warc"
    path.write_bytes(data[:second] + b"garbage that is no record\r\n" + data[second:])
    scanned = list(scan_file(path))
    problems = [s for s in scanned if isinstance(s, ScanProblem)]
    assert len(problems) == 1 and problems[0].offset == second and problems[0].resume_at == second + 27
    assert [r.target_uri for r in scanned if not isinstance(r, ScanProblem)][1:] == [
        f"http://a.example/{i}" for i in range(3)]


@pytest.mark.parametrize("gzipped", [False, True], ids=["arc", "arc.gz"])
def test_arc_records_read_as_responses_at_their_offsets(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("old.arc.gz" if gzipped else "old.arc")
    offsets = write_arc(path, gzipped=gzipped)
    assert sniff(path) is (ArchiveFormat.ARC_GZ if gzipped else ArchiveFormat.ARC)
    records = list(iter_records(path))
    assert [r.offset for r in records] == offsets
    assert [r.record_type for r in records] == ["warcinfo", "response", "response", "response"]
    assert [r.target_uri for r in records[1:]] == [url for url, _ in ARC_PAGES]
    assert all(r.http_status == 200 and r.header("WARC-Date") == f"2005-01-01T12:00:0{i}Z"
               for i, r in enumerate(records[1:]))
    assert b"Harbour ferry timetable change 1" in records[2].payload
    again = read_record(path, offsets[2], expected_length=records[2].length)
    assert again.record_id == records[2].record_id and again.record_id.startswith("<urn:uuid:")  # stable id
    assert len({r.record_id for r in records}) == len(records)


@pytest.mark.parametrize("kind", ["warc", "arc"])
def test_whole_file_gzip_is_told_apart_and_repacked_record_by_record(tmp_path: Path, kind: str) -> None:
    plain = _warc_bytes(4, compress=False) if kind == "warc" else b"".join(arc_records())
    whole = tmp_path / f"whole.{kind}.gz"
    whole.write_bytes(gzip.compress(plain))
    assert sniff(whole).whole_file_gzip
    with pytest.raises(CorruptRecord, match="whole-file gzip"):
        read_record(whole, 0)
    assert isinstance(next(iter(scan_file(whole))), ScanProblem)  # a problem, never a traceback
    repacked = tmp_path / "out" / f"repacked.{kind}.gz"
    result = repack_per_record(whole, repacked)
    assert result.records == (5 if kind == "warc" else 4)
    assert not result.problems
    assert not sniff(repacked).whole_file_gzip
    members = [read_raw(repacked, r.offset, r.length or 0) for r in iter_records(repacked)]
    assert len(members) == result.records
    assert b"".join(zlib.decompress(m, wbits=31) for m in members) == plain  # record bytes unchanged


def test_cut_whole_file_gzip_keeps_the_records_before_the_cut(tmp_path: Path) -> None:
    packed = gzip.compress(_warc_bytes(6, compress=False))
    whole = tmp_path / "cut.warc.gz"
    whole.write_bytes(packed[: len(packed) * 2 // 3])
    result = repack_per_record(whole, tmp_path / "out.warc.gz")
    assert 1 <= result.records < 7
    assert result.problems and all(str(whole) in p for p in result.problems)
    assert [r.record_type for r in iter_records(tmp_path / "out.warc.gz")][0] == "warcinfo"


@pytest.mark.parametrize(("data", "words"), [
    (lz4_bytes(b"WARC/1.1\r\n" * 20), "LZ4"),
    (b"\x28\xb5\x2f\xfd" + b"\0" * 20, "Zstandard"),
    (b"\x5d\x2a\x4d\x18" + b"\0" * 20, "dictionary"),
    (b"PK\x03\x04" + b"\0" * 30, "ZIP"),
    (bytes(range(256)) * 4, "not a WARC or ARC file"),
    (gzip.compress(b"just some text\n" * 10), "not a WARC or ARC file"),
    (b"", "empty"),
], ids=["lz4", "zstd", "zstd-dictionary", "zip", "random", "gzip-of-text", "empty"])
def test_files_we_cannot_read_are_named_in_one_line_with_exit_code_2(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "odd.warc.lz4"
    path.write_bytes(data)
    with pytest.raises(UnreadableFormat, match=words) as caught:
        sniff(path)
    assert caught.value.exit_code == 2
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_resource_records_of_web_urls_are_captures(tmp_path: Path) -> None:
    path = tmp_path / "res.warc.gz"
    warc_with_resources(path, [("http://files.example/a.html", "text/html", b"<p>a</p>"),
                               ("urn:screenshot:http://files.example/a.html", "image/png", b"\x89PNG"),
                               ("metadata://gnu.org/software/wget/warc/wget_arguments.txt", "text/plain", b"-O")])
    kinds = {r.target_uri: is_capture(r) for r in iter_records(path) if r.record_type != "warcinfo"}
    assert kinds == {"http://files.example/a.html": True, "urn:screenshot:http://files.example/a.html": False,
                     "metadata://gnu.org/software/wget/warc/wget_arguments.txt": False,
                     "http://files.example/readme.txt": True}


@pytest.mark.parametrize("form", ["plain", "gzip-per-record", "whole-gzip"])
def test_damage_anywhere_never_raises_from_a_scan(tmp_path: Path, form: str) -> None:
    """Cut or flipped bytes anywhere: the scan reports problems and keeps reading, never an exception."""
    data = _warc_bytes(4, compress=form == "gzip-per-record")
    if form == "whole-gzip":
        data = gzip.compress(data)
    path = tmp_path / "damaged.warc.gz"
    for place in range(7, len(data), max(len(data) // 40, 1)):
        for damaged in (data[:place], data[:place] + bytes([data[place] ^ 0x5A]) + data[place + 1:]):
            path.write_bytes(damaged)
            with contextlib.suppress(UnreadableFormat):
                sniff(path)
            items = list(scan_file(path))
            assert items, place
            good = [i for i in items if not isinstance(i, ScanProblem)]
            assert all(g.length and g.length > 0 for g in good)
            if form == "whole-gzip":
                repacked = repack_per_record(path, tmp_path / "repacked.warc.gz")
                assert repacked.records or repacked.problems


def test_gzip_file_whose_first_member_is_damaged_still_reads_the_rest(tmp_path: Path) -> None:
    data = bytearray(_warc_bytes(3, compress=True))
    data[12:40] = b"\xff" * 28  # inside the deflate stream of the first member (warcinfo)
    path = tmp_path / "first-damaged.warc.gz"
    path.write_bytes(bytes(data))
    assert sniff(path) is ArchiveFormat.WARC_GZ
    scanned = list(scan_file(path))
    assert isinstance(scanned[0], ScanProblem) and scanned[0].offset == 0
    assert [r.target_uri for r in scanned[1:]] == [f"http://a.example/{i}" for i in range(3)]


def test_arc_version_2_header_lines_give_the_right_url_and_date(tmp_path: Path) -> None:
    body = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>v2</p>"
    desc = b"2 0 Heritrix\nURL IP-address Archive-date Content-type Result-code Checksum Location Offset Filename " \
           b"Archive-length\n"
    path = tmp_path / "v2.arc"
    head = b"filedesc://v2.arc 0.0.0.0 20080101000000 text/plain 200 - - 0 v2.arc %d\n%s\n" % (len(desc), desc)
    path.write_bytes(head + b"http://v2.example/a 192.0.2.9 20080102030405 text/html 200 ABC - 0 v2.arc %d\n%s\n"
                     % (len(body), body))
    [info, page] = list(iter_records(path))
    assert info.record_type == "warcinfo"
    assert (page.target_uri, page.header("WARC-Date"), page.header("WARC-IP-Address"), page.payload) == (
        "http://v2.example/a", "2008-01-02T03:04:05Z", "192.0.2.9", b"<p>v2</p>")
