"""Plain HTTP messages as the archive stores them, independent of any HTTP client.

A capture hands the writer an :class:`HttpRequest` (what was sent) and an
:class:`HttpResponse` (what came back). Bodies are the entity bytes as they came off the
wire *after* transfer decoding (de-chunked) but *before* content decoding: a gzip body stays
gzip, with its ``Content-Encoding`` header.

A response may carry its head as received (``raw_head``: status line, header lines and the
empty line, byte for byte). :func:`stored_head` decides, in this one place, what of it is
stored with a transfer-decoded body: everything, except the ``Transfer-Encoding`` lines. The
body is stored de-chunked (the HTTP client de-chunked it and we keep no chunk framing), so
the header that announces chunks goes, and nothing is added in its place: no
``Content-Length`` the server did not send (the WARC record's own Content-Length gives the
length). That keeps the stored bytes, the payload digest (of the entity, as WARC 1.1 defines
it: identical for one entity sent chunked or with a length, so dedup works) and what
``warcio check`` recomputes (it hashes the bytes after the head, without de-chunking) in
agreement. The writer marks such a record (``Archiver-Transfer-Decoded``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus

__all__ = [
    "Headers", "HttpRequest", "HttpResponse", "header_value", "reason_phrase", "reads_back", "split_status_line",
    "stored_head",
]

Headers = list[tuple[str, str]]

# Headers that describe one hop's framing; the stored body is never transfer-encoded.
HOP_BY_HOP_FRAMING = ("transfer-encoding",)
_LINE = re.compile(rb"[^\n]*\n|[^\n]+\Z")
_FRAMING_NAMES = tuple(name.encode("ascii") for name in HOP_BY_HOP_FRAMING)


def split_status_line(raw_head: bytes) -> tuple[str, int, str] | None:
    """``(protocol, status, reason)`` of a raw response head, or None if its first line is no status line."""
    line = raw_head.split(b"\n", 1)[0].removesuffix(b"\r")
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    reason = parts[2] if len(parts) == 3 else b""
    return parts[0].decode("latin-1"), int(parts[1]), reason.decode("latin-1")


def reads_back(raw_head: bytes) -> bool:
    """Whether WARC readers find the head where the client did: it ends at its first blank line.

    A client reads a line of only spaces inside the head as a continuation line; warcio (and
    so pywb) takes it for the end of the head and would read the rest as payload.
    """
    lines = _LINE.findall(raw_head)
    return bool(lines) and lines[-1] in (b"\r\n", b"\n") and all(line.strip() for line in lines[:-1])


def stored_head(raw_head: bytes) -> tuple[bytes, list[str]]:
    """The head stored with a de-chunked body, and the framing values taken out of it.

    ``raw_head`` minus its ``Transfer-Encoding`` header lines (with their continuation
    lines); every other byte, line ends included, stays as received. Only for a response
    that had a body: a HEAD or 304 answer keeps its head whole, since nothing was decoded.
    """
    lines = _LINE.findall(raw_head)  # each line with its own end: \r\n, or a bare \n
    kept: list[bytes] = []
    removed: list[str] = []
    dropping = False
    for index, line in enumerate(lines):
        if index and line[:1] in (b" ", b"\t") and line.strip():
            if not dropping:
                kept.append(line)
            else:
                removed[-1] += " " + line.strip().decode("latin-1")
            continue
        name, colon, value = line.partition(b":")
        # The name exactly as the client matched it (Twisted: lower-cased, nothing stripped).
        dropping = bool(index and colon and name.lower() in _FRAMING_NAMES)
        if dropping:
            removed.append(value.strip().decode("latin-1"))
        else:
            kept.append(line)
    return b"".join(kept), removed


def reason_phrase(status: int) -> str:
    """The standard reason phrase for ``status`` (``""`` for unknown codes)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def header_value(headers: Headers, name: str) -> str | None:
    """The first value of header ``name`` (case-insensitive), or None."""
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value
    return None


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as it was sent: request line parts, headers in order, body."""

    method: str
    target: str
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    protocol: str = "HTTP/1.1"

    @property
    def request_line(self) -> str:
        """``GET /path?q HTTP/1.1``."""
        return f"{self.method} {self.target or '/'} {self.protocol}"


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response as received: status, headers in order, entity body (not content-decoded)."""

    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    protocol: str = "HTTP/1.1"
    reason: str | None = None
    #: The status line and header block exactly as received (ending with the empty line), if known.
    raw_head: bytes | None = None

    @property
    def status_line_tail(self) -> str:
        """``200 OK``: the status line without the protocol."""
        reason = self.reason if self.reason is not None else reason_phrase(self.status)
        return f"{self.status} {reason}".rstrip()

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any."""
        return header_value(self.headers, "Content-Type")
