"""Web-archive files as other tools write them, made in the test: ARC by hand, WARCs through warcio.

ARC (version 1, https://archive.org/web/researcher/ArcFileFormat.php): a ``filedesc://``
record, then one record per fetch, each a header line ``URL IP-address Archive-date
Content-type Archive-length``, the ``Archive-length`` bytes (HTTP status line, headers, body)
and a newline. ``.arc.gz`` holds one gzip member per record.
"""

from __future__ import annotations

import gzip
import io
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

__all__ = ["ARC_PAGES", "arc_records", "html_page", "lz4_bytes", "warc_with_resources", "write_arc", "wget_warc"]

#: (URL, title) of the pages in the ARC files :func:`write_arc` makes.
ARC_PAGES = [(f"http://old.example/news/{i}.html", f"Harbour ferry timetable change {i}") for i in range(3)]


def html_page(title: str, words: str) -> bytes:
    """A small article page trafilatura extracts (title and a few paragraphs)."""
    paragraphs = "".join(f"<p>{words} paragraph {n} tells the story in more detail for the reader.</p>"
                         for n in range(6))
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}"
            "</article></body></html>").encode()


def _arc_record(url: str, ip: str, date: str, content_type: str, block: bytes) -> bytes:
    return f"{url} {ip} {date} {content_type} {len(block)}\n".encode() + block + b"\n"


def arc_records() -> list[bytes]:
    """The records of a small ARC file: its filedesc record and one HTML page per :data:`ARC_PAGES` entry."""
    desc = b"1 0 OldCrawler\nURL IP-address Archive-date Content-type Archive-length\n"
    records = [_arc_record("filedesc://old-crawl.arc", "0.0.0.0", "20050101000000", "text/plain", desc)]
    for i, (url, title) in enumerate(ARC_PAGES):
        body = html_page(title, f"ferry {i}")
        block = (b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
        records.append(_arc_record(url, "192.0.2.1", f"2005010112000{i}", "text/html", block))
    return records


def write_arc(path: Path, *, gzipped: bool) -> list[int]:
    """Write the ARC file of :func:`arc_records` (one gzip member per record if ``gzipped``); the offsets."""
    offsets = []
    with open(path, "wb") as out:
        for record in arc_records():
            offsets.append(out.tell())
            out.write(gzip.compress(record, mtime=0) if gzipped else record)
    return offsets


def lz4_bytes(data: bytes) -> bytes:
    """``data`` compressed as an LZ4 frame (with the ``lz4`` package when installed, else its frame magic)."""
    try:
        import lz4.frame  # type: ignore[import-not-found]
    except ImportError:
        return b"\x04\x22\x4d\x18" + b"\x64\x40\xa7" + data[:64]  # frame magic + header: what a reader sniffs
    return lz4.frame.compress(data)


def warc_with_resources(path: Path, resources: Iterable[tuple[str, str, bytes]]) -> None:
    """A gzipped WARC of ``resource`` records (URI, content type, bytes), as a tool that stores files writes."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for uri, content_type, data in resources:
            writer.write_record(writer.create_warc_record(uri, "resource", payload=io.BytesIO(data), length=len(data),
                                                          warc_content_type=content_type))
        # A response beside them, so the file also holds an ordinary capture.
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/plain")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("http://files.example/readme.txt", "response",
                                                      payload=io.BytesIO(b"read me"), length=7,
                                                      http_headers=http))


def wget_warc(directory: Path, name: str, urls: list[str], *extra: str) -> Path:
    """Fetch ``urls`` with ``wget --warc-file=NAME`` in ``directory``; the WARC file it wrote."""
    wget = shutil.which("wget")
    assert wget, "wget is not installed (apt-get install wget)"
    subprocess.run([wget, "--quiet", "--no-config", f"--warc-file={name}", "--no-warc-keep-log", "-O", "/dev/null",
                    *extra, *urls], cwd=directory, check=False, timeout=120)
    plain = "--no-warc-compression" in extra
    path = directory / (f"{name}.warc" if plain else f"{name}.warc.gz")
    assert path.exists(), f"wget wrote no {path.name}"
    return path
