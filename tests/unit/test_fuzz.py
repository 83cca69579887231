"""Property-based fuzzing: damaged WARC files and arbitrary page bytes never crash the archiver.

- The WARC reader, given any mutation of a valid file (bytes flipped, cut, inserted, removed;
  gzipped per record or not), raises nothing but :class:`storage.StorageError` subclasses.
- Charset decoding and article extraction, given any bytes, return in bounded time and never raise.

Examples are few and each has a deadline, so the module takes a few seconds; no example
database is written (``database=None``).
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.warc_samples import write_sample_file

from archiver.extraction import ExtractionResult, decode_html, extract
from storage import StorageError
from storage.warc import iter_records, read_record

FUZZ = settings(database=None, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------ WARC reader


@pytest.fixture(scope="module")
def warc_files(tmp_path_factory) -> dict[str, bytes]:
    """A valid file as written (one gzip member per record) and the same records uncompressed."""
    path, _ = write_sample_file(tmp_path_factory.mktemp("fuzz-source"))
    data = path.read_bytes()
    return {"gzip": data, "plain": gzip.decompress(data)}


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@st.composite
def mutations(draw: st.DrawFn, size: int) -> list[tuple[str, int, bytes]]:
    """Up to 8 edits, each (kind, position, bytes): flip, insert, delete or cut."""
    edit = st.tuples(st.sampled_from(["flip", "insert", "delete", "cut"]), st.integers(0, size),
                     st.binary(min_size=1, max_size=64))
    return draw(st.lists(edit, min_size=1, max_size=8))


def mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    out = bytearray(data)
    for kind, position, chunk in edits:
        at = position % (len(out) + 1)
        if kind == "flip":
            out[at:at + len(chunk)] = bytes(b ^ (c or 1) for b, c in zip(out[at:at + len(chunk)], chunk, strict=False))
        elif kind == "insert":
            out[at:at] = chunk
        elif kind == "delete":
            del out[at:at + len(chunk)]
        else:
            del out[at:]
    return bytes(out)


def read_everything(path: Path, offsets: list[int]) -> None:
    """Iterate the whole file, then read single records at some offsets; only StorageError may escape."""
    with contextlib.suppress(StorageError):
        for record in iter_records(path):
            assert record.length is not None and record.length > 0
    size = path.stat().st_size
    for offset in offsets:
        with contextlib.suppress(StorageError):
            read_record(path, offset % (size + 2), expected_length=None)


@FUZZ
@given(data=st.data(), kind=st.sampled_from(["gzip", "plain"]))
def test_warc_reader_on_damaged_files_raises_only_storage_errors(warc_files, scratch, data, kind) -> None:
    original = warc_files[kind]
    edits = data.draw(mutations(len(original)), label="edits")
    offsets = data.draw(st.lists(st.integers(0, len(original)), max_size=4), label="offsets")
    path = scratch / f"damaged-{kind}.warc{'.gz' if kind == 'gzip' else ''}"
    path.write_bytes(mutate(original, edits))
    read_everything(path, [0, *offsets])


@FUZZ
@given(data=st.binary(max_size=2048))
def test_warc_reader_on_arbitrary_bytes_raises_only_storage_errors(scratch, data) -> None:
    path = scratch / "arbitrary.warc.gz"
    path.write_bytes(data)
    read_everything(path, [0, 1, len(data) // 2])


# ------------------------------------------------------------------ charset and HTML

HTML_PIECES = [b"<html>", b"<head>", b"<meta charset=\"", b"\">", b"<meta http-equiv=\"Content-Type\" content=\"",
               b"text/html; charset=", b"utf-8", b"windows-1251", b"no-such-charset", b"utf-16", b"\xef\xbb\xbf",
               b"\xff\xfe", b"<title>", b"</title>", b"<body>", b"<article>", b"<p>", b"</p>", b"<div>" * 50,
               b"<script type=\"application/ld+json\">", b"{\"@type\": \"NewsArticle\", \"headline\": ", b"</script>",
               b"\x00", b"\xd0\x9f\xd1\x80\xd0\xb8", b"\xe9", b"&#x0;", b"&amp;", b"<!--", b"-->", b"<![CDATA[",
               b"<?xml version=\"1.0\" encoding=\"", b"?>", b"Story text. " * 20]
page_bytes = st.one_of(st.binary(max_size=4096),
                       st.lists(st.sampled_from(HTML_PIECES) | st.binary(max_size=32), max_size=60).map(b"".join))
content_types = st.one_of(st.none(), st.sampled_from(["text/html", "text/html; charset=utf-8",
                                                      "text/html; charset=no-such-charset", "text/html; charset="]),
                          st.text(max_size=40).map(lambda t: "text/html; charset=" + t))


@pytest.fixture(scope="module", autouse=True)
def warm_extractor() -> None:
    """The first extraction imports and primes trafilatura: keep that out of the deadlines."""
    extract(b"<html><body><p>warm up</p></body></html>", "http://news.example/")


@FUZZ
@given(body=page_bytes, content_type=content_types)
def test_decode_html_never_raises(body: bytes, content_type: str | None) -> None:
    text, encoding = decode_html(body, content_type)
    assert isinstance(text, str)
    codecs.lookup(encoding)  # a real codec name
    boms = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    bare = next((body[len(bom):] for bom in boms if body.startswith(bom)), body)
    assert bool(text) or not bare  # a byte-order mark alone is an empty page


@settings(FUZZ, max_examples=40, deadline=3000)
@given(body=page_bytes, content_type=content_types)
def test_extract_never_raises(body: bytes, content_type: str | None) -> None:
    result = extract(body, "http://news.example/2024/01/01/story", content_type=content_type)
    assert isinstance(result, ExtractionResult)
