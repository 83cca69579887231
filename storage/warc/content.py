"""Undo a body's ``Content-Encoding`` (gzip, deflate, br, zstd) without ever producing more than a limit.

A compression bomb is a small body that decodes to a huge one (1 MB of gzip to 1 GiB). Every
decoder here works in pieces of at most :data:`_CHUNK` bytes and stops as soon as the decoded
size would pass ``max_bytes``, raising :class:`DecodedTooLarge`: memory stays near the limit
whatever the body holds. :func:`decoded_size_over` only counts (nothing is kept), for a check
before deciding what to do with a body.

The decoders follow Scrapy's: a gzip body that breaks off after some data decodes to what came,
one that yields nothing is an error; several gzip members are read one after another; deflate is
tried as zlib, then as raw deflate. ``br`` needs the ``brotli`` module (Scrapy's) and ``zstd``
the ``zstandard`` module; without it the coding is reported as one we cannot decode.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from storage.errors import WarcError

__all__ = [
    "DEFAULT_MAX_DECODED_BYTES",
    "DecodedTooLarge",
    "UndecodableContent",
    "codings_of",
    "decode_content",
    "decoded_size_over",
]

#: Default of ``ARCHIVER_MAX_DECODED_BYTES``: the most a body may decode to (64 MB).
DEFAULT_MAX_DECODED_BYTES = 64 * 10**6
_CHUNK = 1024 * 1024


class DecodedTooLarge(WarcError):
    """A body decodes to more than the allowed number of bytes (a compression bomb, or simply too big).

    HTTP 422 in the web app (the archived bytes are there; we decline to decode them), exit 1.
    """

    http_status = 422

    def __init__(self, coding: str, limit: int, **where: Any) -> None:
        super().__init__(f"the {coding} body decodes to more than {limit} bytes (ARCHIVER_MAX_DECODED_BYTES): "
                         "not decoded", **where)
        self.limit = limit


class UndecodableContent(WarcError):
    """A body cannot be decoded: damaged, or in a coding we have no decoder for."""


def codings_of(values: Sequence[str]) -> list[str]:
    """The content codings named by ``Content-Encoding`` header values, in the order they were applied."""
    return [c.strip().lower() for value in values for c in value.split(",") if c.strip()]


def decode_content(codings: Sequence[str], body: bytes, max_bytes: int = DEFAULT_MAX_DECODED_BYTES) -> bytes:
    """``body`` with ``codings`` undone (last applied first); identity and empty codings are skipped.

    Raises :class:`DecodedTooLarge` past ``max_bytes`` (0: no limit) and
    :class:`UndecodableContent` for damaged data or a coding we cannot decode.
    """
    data = body
    for coding in reversed(codings):
        if coding in ("identity", ""):
            continue
        pieces: list[bytes] = []
        size = 0
        for piece in _pieces(coding, data):
            size += len(piece)
            if max_bytes and size > max_bytes:
                raise DecodedTooLarge(coding, max_bytes)
            pieces.append(piece)
        data = b"".join(pieces)
    return data


def decoded_size_over(codings: Sequence[str], body: bytes, max_bytes: int) -> bool:
    """Whether ``body`` decodes to more than ``max_bytes``, counted in pieces (nothing kept).

    Damage is not reported here (:func:`decode_content` does): what decodes before it counts.
    Several codings are undone layer by layer, each inner layer kept up to the limit.
    """
    try:
        if len(codings) > 1:
            inner = decode_content(codings[1:], body, max_bytes)
            return decoded_size_over(codings[:1], inner, max_bytes)
        size = 0
        for piece in _pieces(codings[0], body) if codings else ():
            size += len(piece)
            if size > max_bytes:
                return True
    except DecodedTooLarge:
        return True
    except UndecodableContent:
        return False
    return False


def _pieces(coding: str, data: bytes) -> Iterator[bytes]:
    decoder = _DECODERS.get(coding)
    if decoder is None:
        raise UndecodableContent(f"no decoder for the content coding {coding!r}")
    return decoder(data)


def _gzip(data: bytes) -> Iterator[bytes]:
    produced = False
    while data:
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            for piece in _drain(inflater, data):
                produced = produced or bool(piece)
                yield piece
        except zlib.error as exc:
            if not produced:
                raise UndecodableContent(f"cannot decode the gzip body: {exc}") from None
            return  # damaged after some data: keep what came, as Scrapy does
        if not inflater.eof:
            if not produced:
                raise UndecodableContent("cannot decode the gzip body: it is cut short before any data")
            return
        data = inflater.unused_data  # another member may follow
        if data and not data.startswith(b"\x1f\x8b"):
            return  # trailing garbage after a whole member: ignored, as gzip does


def _deflate(data: bytes) -> Iterator[bytes]:
    inflater = zlib.decompressobj()
    try:
        first = inflater.decompress(data, _CHUNK)
    except zlib.error:
        inflater = zlib.decompressobj(wbits=-zlib.MAX_WBITS)  # raw deflate, as some servers send
        try:
            first = inflater.decompress(data, _CHUNK)
        except zlib.error as exc:
            raise UndecodableContent(f"cannot decode the deflate body: {exc}") from None
    yield first
    try:
        yield from _drain(inflater, inflater.unconsumed_tail, started=True)
    except zlib.error as exc:
        raise UndecodableContent(f"cannot decode the deflate body: {exc}") from None


def _drain(inflater: Any, data: bytes, *, started: bool = False) -> Iterator[bytes]:
    """Feed ``data`` to a zlib decompressor, yielding at most :data:`_CHUNK` bytes at a time."""
    if not started:
        yield inflater.decompress(data, _CHUNK)
        data = inflater.unconsumed_tail
    while data and not inflater.eof:
        yield inflater.decompress(data, _CHUNK)
        data = inflater.unconsumed_tail
    while not inflater.eof:  # output may still be pending with all input consumed
        piece = inflater.decompress(b"", _CHUNK)
        if not piece:
            break
        yield piece


def _brotli(data: bytes) -> Iterator[bytes]:
    try:
        import brotli
    except ImportError:
        raise UndecodableContent("no decoder for the content coding 'br' (the brotli module is not installed)") \
            from None
    decompressor = brotli.Decompressor()
    try:
        piece = decompressor.process(data, output_buffer_limit=_CHUNK)
        yield piece
        while not decompressor.is_finished():  # all input is in: drain what it holds, a piece at a time
            piece = decompressor.process(b"", output_buffer_limit=_CHUNK)
            if not piece:
                break  # a stream cut short: what came is kept
            yield piece
    except brotli.error as exc:
        raise UndecodableContent(f"cannot decode the br body: {exc}") from None


def _zstd(data: bytes) -> Iterator[bytes]:
    try:
        import zstandard
    except ImportError:
        raise UndecodableContent("no decoder for the content coding 'zstd' (the zstandard module is not "
                                 "installed)") from None
    reader = zstandard.ZstdDecompressor().stream_reader(data, read_across_frames=True)
    try:
        while piece := reader.read(_CHUNK):
            yield piece
    except zstandard.ZstdError as exc:
        raise UndecodableContent(f"cannot decode the zstd body: {exc}") from None


_DECODERS: dict[str, Callable[[bytes], Iterator[bytes]]] = {
    "gzip": _gzip, "x-gzip": _gzip, "deflate": _deflate, "br": _brotli, "zstd": _zstd,
}
