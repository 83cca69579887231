"""Tell, before a response is archived, whether Scrapy will be able to undo its Content-Encoding.

HttpCompressionMiddleware decodes bodies after the capture middleware has archived them. When
it cannot (a body labelled ``gzip`` that is not gzip), the request fails with an exception the
capture middleware never sees, and the capture would show a plain 200 with no article. The
capture middleware asks :func:`content_decoding_error` first and records the answer as the
capture's error. The bytes are archived as received either way.

The checks follow Scrapy's decoders: a gzip body that breaks off after some data decodes (to
what came), one that yields nothing does not; deflate is tried as zlib, then raw. At most
:data:`CHECK_BUDGET` decoded bytes are produced, so a compression bomb costs little here.
``br`` and ``zstd`` are not checked (the archiver does not ask for them).
"""

from __future__ import annotations

import struct
import zlib
from gzip import GzipFile
from io import BytesIO

__all__ = ["CHECK_BUDGET", "content_decoding_error"]

#: Decoded bytes produced at most while checking one body.
CHECK_BUDGET = 16 * 1024 * 1024
_CHUNK = 64 * 1024


def content_decoding_error(content_encoding: list[str], body: bytes) -> str | None:
    """Why ``body`` (sent with these ``Content-Encoding`` header values) cannot be decoded, or None."""
    codings = [c.strip().lower() for value in content_encoding for c in value.split(",") if c.strip()]
    data = body
    for layer, coding in enumerate(reversed(codings)):  # the last coding applied is undone first
        keep = layer < len(codings) - 1  # the next layer needs the decoded bytes; after the last, only errors matter
        if coding in ("gzip", "x-gzip"):
            data, error = _gunzip(data, keep=keep)
        elif coding == "deflate":
            data, error = _inflate(data)
        else:
            return None  # identity, br, zstd or unknown: Scrapy leaves or decodes it without us
        if error:
            return f"cannot decode the {coding} body: {error}"
    return None


def _describe(exc: Exception) -> str:
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _gunzip(data: bytes, *, keep: bool = True) -> tuple[bytes, str | None]:
    """Like ``scrapy.utils.gz.gunzip``: an error only when nothing at all comes out.

    With ``keep`` false the decoded bytes are counted, not kept (b"" is returned): the
    common single ``gzip`` layer then costs one pass of the decompressor and no copies.
    """
    whole = _one_gzip_member(data)
    if whole is not None:
        return (whole if keep else b""), None
    reader = GzipFile(fileobj=BytesIO(data))
    out = BytesIO()
    produced = 0
    while produced < CHECK_BUDGET:
        try:
            chunk = reader.read1(_CHUNK)
        except (OSError, EOFError, struct.error) as exc:
            return (out.getvalue(), None) if produced else (b"", _describe(exc))
        except zlib.error as exc:  # Scrapy's gunzip does not catch this one
            return b"", _describe(exc)
        if not chunk:
            break
        produced += len(chunk)
        if keep:
            out.write(chunk)
    return out.getvalue(), None


def _one_gzip_member(data: bytes) -> bytes | None:
    """``data`` decoded when it is one whole gzip member (zlib checks its CRC and length), else None.

    What nearly every gzip body is, decoded in one C call: ``GzipFile`` reads it in small
    pieces through Python code, several times slower. Anything else (cut short, corrupt,
    several members, trailing bytes) gets None, for ``GzipFile`` to decide as Scrapy's does.
    """
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        decoded = decompressor.decompress(data, CHECK_BUDGET)
    except zlib.error:
        return None
    if len(decoded) >= CHECK_BUDGET:
        return decoded[:CHECK_BUDGET]  # as far as a check goes
    return decoded if decompressor.eof and not decompressor.unused_data else None


def _inflate(data: bytes) -> tuple[bytes, str | None]:
    """Like Scrapy's deflate decoder: zlib-wrapped first, raw deflate if that fails at once."""
    try:
        decompressor = zlib.decompressobj()
        try:
            first = decompressor.decompress(data, _CHUNK)
        except zlib.error:
            decompressor = zlib.decompressobj(wbits=-15)
            first = decompressor.decompress(data, _CHUNK)
        out = BytesIO(first)
        out.seek(0, 2)
        while decompressor.unconsumed_tail and not decompressor.eof and out.tell() < CHECK_BUDGET:
            out.write(decompressor.decompress(decompressor.unconsumed_tail, _CHUNK))
    except zlib.error as exc:
        return b"", _describe(exc)
    return out.getvalue(), None
