"""A fixture server of hostile encodings and redirects (issue 19): compression bombs, unrequested codings.

Run ``python -m support.bomb_site`` (with ``tests/`` on the path): it binds 127.0.0.1 on a free
port, prints its URL and serves until SIGTERM/SIGINT. From tests, use :func:`running_bomb_site`.

Routes:

``/gzip-bomb``, ``/deflate-bomb``, ``/br-bomb``
    An HTML page of :data:`BOMB_SIZE` bytes (1 GiB) sent with ``Content-Encoding`` gzip,
    deflate or br: about 1 MB, 1 MB and 0.2 MB on the wire. Built once at start-up in well
    under a second (the gzip one is one member repeated, the deflate one a fully flushed block
    repeated, with the right Adler-32 at the end).
``/br-page``, ``/zstd-page``
    :data:`PAGE` sent with ``Content-Encoding: br`` / ``zstd`` whatever the request accepted.
``/page``
    :data:`PAGE`, plain.
``/hostile-text``
    An article whose title (and JSON-LD headline, escaped) holds every C0 control character and a
    number that grows with each request (so each capture is an edit), whose JSON-LD has lone
    surrogate escapes in its headline and author, and whose body has bytes that are not UTF-8 (the page says utf-8).
``/bad-location``
    ``302`` with ``Location: http://[::1`` (a URL no client can parse).
anything else
    :data:`PAGE` (so a 5,000-character URL gets an answer).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import brotli

from support.launcher import launch_server, module_command, serve_until_signalled, support_env

__all__ = ["BOMB_SIZE", "PAGE", "PAGE_TITLE", "running_bomb_site", "zstd_raw_frame"]

BOMB_SIZE = 1 << 30
_CHUNK = 1 << 24  # 16 MiB of the bomb's filler, compressed once and repeated
PAGE_TITLE = "Tide Tables Posted at the Ferry Pier"
PAGE = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{PAGE_TITLE}</title></head><body><article>"
        f"<h1>{PAGE_TITLE}</h1>" + "<p>The harbour office posted the spring tide tables this morning.</p>" * 20
        + "</article></body></html>").encode()
_BOMB_HEAD = b"<!DOCTYPE html><html><head><title>Bomb</title></head><body>"


def _gzip_bomb() -> bytes:
    """One gzip member of the head plus 16 MiB of spaces, then members of 16 MiB of spaces up to 1 GiB."""
    def member(data: bytes) -> bytes:
        deflater = zlib.compressobj(9, zlib.DEFLATED, 31)
        return deflater.compress(data) + deflater.flush()
    rest = member(b" " * _CHUNK)
    return member(_BOMB_HEAD + b" " * (_CHUNK - len(_BOMB_HEAD))) + rest * (BOMB_SIZE // _CHUNK - 1)


def _deflate_bomb() -> bytes:
    """A zlib stream: the same fully flushed 16 MiB block 64 times, an empty final block, the Adler-32."""
    filler = b" " * _CHUNK
    deflater = zlib.compressobj(9, zlib.DEFLATED, 15)
    first = deflater.compress(_BOMB_HEAD + filler[len(_BOMB_HEAD):]) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(filler) + deflater.flush(zlib.Z_FULL_FLUSH)
    adler = zlib.adler32(_BOMB_HEAD + filler[len(_BOMB_HEAD):])
    for _ in range(BOMB_SIZE // _CHUNK - 1):
        adler = zlib.adler32(filler, adler)
    return first + block * (BOMB_SIZE // _CHUNK - 1) + b"\x03\x00" + struct.pack(">I", adler)


def _br_bomb() -> bytes:
    compressor = brotli.Compressor(quality=1)
    filler = b" " * _CHUNK
    parts = [compressor.process(_BOMB_HEAD + filler[len(_BOMB_HEAD):])]
    parts += [compressor.process(filler) for _ in range(BOMB_SIZE // _CHUNK - 1)]
    return b"".join(parts) + compressor.finish()


def zstd_raw_frame(data: bytes) -> bytes:
    """A zstd frame holding ``data`` in one raw (stored) block: no zstd library needed to make it."""
    if len(data) >= 1 << 21:
        raise ValueError("one raw block holds less than 2 MiB")
    descriptor = 0b1010_0000  # frame content size in 4 bytes, single segment, no checksum
    block_header = (len(data) << 3) | (0b00 << 1) | 1  # raw block, last block
    return (struct.pack("<I", 0xFD2FB528) + bytes([descriptor]) + struct.pack("<I", len(data))
            + block_header.to_bytes(3, "little") + data)


#: Every C0 control character, NUL to US.
C0 = "".join(map(chr, range(0x20)))


def hostile_text_page(number: int) -> bytes:
    """The ``/hostile-text`` article, version ``number``."""
    title = f"Ferry{C0}timetable change {number}"
    escaped_c0 = "".join(f"\\u{code:04x}" for code in range(0x20))  # JSON escapes of every C0 character
    json_ld = ('{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Ferry\\ud83d'
               f'{escaped_c0}timetable {number}", "author": {{"@type": "Person", "name": "Ann \\udc00 Lee"}}, '
               '"datePublished": "2026-11-20T08:00:00Z"}')
    body = "".join(f"<p>The ferry to the islands leaves at a new time from Monday, version {number}, "
                   f"said the harbour office in a notice posted at the pier today. {n}</p>" for n in range(8))
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title>"
            f"<script type=\"application/ld+json\">{json_ld}</script></head><body><article><h1>{title}</h1>"
            ).encode("utf-8", "surrogatepass") + b"<p>Broken \xff\xfe\xc3( bytes here.</p>" + (
            f"{body}</article></body></html>").encode()


class BombHandler(BaseHTTPRequestHandler):
    """Answers the routes of the module docstring."""

    protocol_version = "HTTP/1.1"
    served = 0
    bombs: dict[str, tuple[str, bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        if path in self.bombs:
            coding, body = self.bombs[path]
            self._send(200, body, [("Content-Encoding", coding)])
        elif path == "/br-page":
            self._send(200, brotli.compress(PAGE), [("Content-Encoding", "br")])
        elif path == "/zstd-page":
            self._send(200, zstd_raw_frame(PAGE), [("Content-Encoding", "zstd")])
        elif path == "/hostile-text":
            type(self).served += 1
            self._send(200, hostile_text_page(type(self).served), [])
        elif path == "/bad-location":
            self._send(302, b"<html>moved</html>", [("Location", "http://[::1")])
        else:
            self._send(200, PAGE, [])

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    """Build the bombs, serve on 127.0.0.1:<free port>, print the base URL, run until signalled."""
    BombHandler.bombs = {"/gzip-bomb": ("gzip", _gzip_bomb()), "/deflate-bomb": ("deflate", _deflate_bomb()),
                         "/br-bomb": ("br", _br_bomb())}
    serve_until_signalled(ThreadingHTTPServer(("127.0.0.1", 0), BombHandler))


@contextmanager
def running_bomb_site() -> Iterator[str]:
    """Run the bomb site in a subprocess for the duration of the block; yields its base URL."""
    with launch_server(module_command("support.bomb_site"), what="bomb site", env=support_env(),
                       stop_timeout=5) as server:
        yield server.url


if __name__ == "__main__":
    main()
