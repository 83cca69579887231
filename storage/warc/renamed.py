"""The one change we make to a response head as received: a ``Content-Encoding: br`` header is renamed.

warcio 1.8.1 decodes a response's payload for ``warcio check`` (and every reader that asks for
the content stream) when its ``Content-Encoding`` is one it knows: with the ``brotli`` 1.x
module that Scrapy uses, its br decoder fails (``'brotli.Decompressor' object has no attribute
'unused_data'``) and the whole file is reported broken. warcio reads the HTTP head of every
``response`` record with an http(s) target, and nothing in the WARC header stops it decoding,
so a head that keeps ``Content-Encoding: br`` cannot pass that checker.

The archiver asks only for gzip and deflate (``Accept-Encoding``), so this happens only when a
server sends br anyway. Such a head is stored with that one header line renamed to
``X-Archive-Orig-Content-Encoding`` (the prefix pywb uses for original headers), every other
byte as received, and the response record says so in ``Archiver-Renamed-Headers`` (the
original names, comma-separated). The payload is stored byte for byte (digests unchanged).
:mod:`storage.warc.reader` gives the renamed lines their names back, so ``get --headers`` shows
the head as received and ``get --decoded``, extraction and replay decode the br body.
zstd needs nothing: warcio does not know it and checks the bytes as stored.
"""

from __future__ import annotations

import re

from storage.warc.http import Headers

__all__ = ["PREFIX", "RENAMED_FIELD", "checker_safe_head", "checker_safe_headers", "restore_head",
           "restore_headers"]

#: WARC field of a response record: the original names of the header lines stored renamed.
RENAMED_FIELD = "Archiver-Renamed-Headers"
#: What a renamed header line's name starts with.
PREFIX = "X-Archive-Orig-"
#: Codings warcio would try (and fail) to decode, as the whole lower-cased header value.
_CRASHING = frozenset({"br"})
_LINE = re.compile(rb"[^\n]*\n|[^\n]+$")


def _renames(name: str, value: str) -> bool:
    return name.strip().lower() == "content-encoding" and value.strip().lower() in _CRASHING


def checker_safe_head(raw: bytes) -> tuple[bytes, list[str]]:
    """``raw`` with each ``Content-Encoding: br`` line renamed; and the names renamed (as received)."""
    renamed: list[str] = []
    lines = _LINE.findall(raw)
    for index, line in enumerate(lines[1:], start=1):
        name, colon, value = line.partition(b":")
        if colon and _renames(name.decode("latin-1"), value.decode("latin-1")):
            renamed.append(name.decode("latin-1"))
            lines[index] = PREFIX.encode() + line
    return b"".join(lines), renamed


def checker_safe_headers(headers: Headers) -> tuple[Headers, list[str]]:
    """Parsed headers renamed as :func:`checker_safe_head` renames their lines."""
    renamed = [name for name, value in headers if _renames(name, value)]
    return [(PREFIX + name if _renames(name, value) else name, value) for name, value in headers], renamed


def restore_head(raw: bytes, names: list[str]) -> bytes:
    """The head as received: each renamed line (``X-Archive-Orig-`` + one of ``names``) given its name back."""
    wanted = {PREFIX.lower() + name.lower() for name in names}
    lines = _LINE.findall(raw)
    for index, line in enumerate(lines):
        name, colon, _ = line.partition(b":")
        if index and colon and name.decode("latin-1").lower() in wanted:
            lines[index] = line[len(PREFIX):]
    return b"".join(lines)


def restore_headers(headers: Headers, names: list[str]) -> Headers:
    """Parsed headers with their renamed names given back."""
    wanted = {PREFIX.lower() + name.lower() for name in names}
    return [(name[len(PREFIX):] if name.lower() in wanted else name, value) for name, value in headers]
