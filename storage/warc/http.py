"""Plain HTTP messages as the archive stores them, independent of any HTTP client.

A capture hands the writer an :class:`HttpRequest` (what was sent) and an
:class:`HttpResponse` (what came back). Bodies are the entity bytes as they came off the
wire *after* transfer decoding (de-chunked) but *before* content decoding: a gzip body stays
gzip, with its ``Content-Encoding`` header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http import HTTPStatus

__all__ = ["Headers", "HttpRequest", "HttpResponse", "header_value", "reason_phrase"]

Headers = list[tuple[str, str]]

# Headers that describe one hop's framing; the stored body is never transfer-encoded.
HOP_BY_HOP_FRAMING = ("transfer-encoding",)


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

    @property
    def status_line_tail(self) -> str:
        """``200 OK``: the status line without the protocol."""
        reason = self.reason if self.reason is not None else reason_phrase(self.status)
        return f"{self.status} {reason}".rstrip()

    @property
    def content_type(self) -> str | None:
        """The Content-Type header, if any."""
        return header_value(self.headers, "Content-Type")
