"""Turn Scrapy's request and response into the storage layer's plain HTTP messages.

The request is rebuilt as Twisted writes it on the wire: request line, headers in the order
Scrapy's middlewares set them, ``Host`` last (added by Twisted's agent), ``Content-Length``
only with a body. The response keeps its status, headers and still-encoded body, and its
head as received when the download handler recorded it
(:class:`archiver.crawler.download_handler.RawHeadDownloadHandler`, ``request.meta[RAW_HEAD_KEY]``).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import Request
from scrapy.http import Headers as ScrapyHeaders
from scrapy.http import Response
from w3lib.url import safe_url_string

from archiver.crawler.download_handler import RAW_HEAD_KEY
from storage.warc.http import Headers, HttpRequest, HttpResponse, split_status_line

__all__ = [
    "TRUNCATED_KEY", "location_error", "redirect_location", "requested_url", "take_raw_head", "to_http_request",
    "to_http_response", "truncation",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
#: ``request.meta`` key naming why a download was stopped (``length``, ``time``), for :func:`truncation`.
TRUNCATED_KEY = "archiver_truncated"


def _decode(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def header_list(headers: ScrapyHeaders) -> Headers:
    """Scrapy headers as an ordered list of (name, value), one pair per value, copied."""
    pairs: Headers = []
    for name, values in headers.items():
        for value in values:
            pairs.append((_decode(name), _decode(value)))
    return pairs


def _host_header(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return host


def request_target(url: str) -> str:
    """Path, parameters and query as sent in the request line (never the fragment)."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def to_http_request(request: Request) -> HttpRequest:
    """The request as it went out (read at process_response time, after every middleware)."""
    headers = [(k, v) for k, v in header_list(request.headers) if k.lower() != "host"]
    if request.body:
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(request.body))))
    host = request.headers.get("Host")
    headers.append(("Host", _decode(host) if host else _host_header(request.url)))
    return HttpRequest(method=request.method, target=request_target(request.url), headers=headers,
                       body=request.body or b"")


def to_http_response(response: Response, raw_head: bytes | None = None) -> HttpResponse:
    """Status, headers (copied: later middlewares edit them in place), the raw body, and the head as received.

    ``raw_head`` is used only if its status line gives the response's status; else (and
    without it) the writer rebuilds the head from the parsed headers.
    """
    headers = header_list(response.headers)
    status_line = split_status_line(raw_head) if raw_head else None
    if status_line is None or status_line[1] != response.status:
        return HttpResponse(status=response.status, headers=headers, body=response.body,
                            protocol=response.protocol or "HTTP/1.1")
    protocol, _, reason = status_line
    return HttpResponse(status=response.status, headers=headers, body=response.body, protocol=protocol,
                        reason=reason, raw_head=raw_head)


def take_raw_head(request: Request) -> bytes | None:
    """The response head the download handler recorded for ``request``, removed from its meta.

    Removed so that a redirect or retry (which copies ``meta``) never carries it on.
    """
    raw_head = request.meta.pop(RAW_HEAD_KEY, None)
    return raw_head if isinstance(raw_head, bytes) else None


def truncation(response: Response, request: Request | None = None) -> str | None:
    """The WARC-Truncated reason for a response Scrapy flagged as incomplete, else None.

    ``dataloss``: the connection dropped before the promised length arrived. ``partial``
    only means an HTTP/1.0 body ended by closing the connection, which is normal. A stopped
    download (``download_stopped``) gives the reason its stopper put in the request's
    ``meta[TRUNCATED_KEY]``, ``length`` if none. Pass ``request`` from a downloader
    middleware: ``response.request`` is only set after the middlewares have run.
    """
    if "dataloss" in response.flags:
        return "disconnect"
    if "download_stopped" in response.flags:
        source = request if request is not None else response.request
        reason = source.meta.get(TRUNCATED_KEY) if source is not None else None
        return str(reason or "length")
    return None


def requested_url(request: Request) -> str:
    """The URL that started the redirect chain this request belongs to."""
    chain = request.meta.get("redirect_urls")
    return chain[0] if chain else request.url


def redirect_location(response: Response) -> str | None:
    """The absolute target of a 3xx response, or None (also when its Location is no URL: :func:`location_error`)."""
    if not 300 <= response.status < 400:
        return None
    location = response.headers.get("Location")
    if not location:
        return None
    try:
        return urljoin(response.url, _decode(location))
    except ValueError:  # e.g. "http://[::1": nothing to follow, the limits middleware records why
        return None


def location_error(response: Response) -> str | None:
    """Why a redirect's ``Location`` cannot be followed (one line), or None when it can or there is none.

    Judged as Scrapy's RedirectMiddleware builds the next URL (``safe_url_string``, then
    ``urljoin``), which raises on such a value and would drop the exchange unarchived.
    """
    location = response.headers.get("Location")
    if not location:
        return None
    text = _decode(location)
    try:
        target = urljoin(response.url, safe_url_string(text))
        urlsplit(target).port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        shown = text if len(text) <= 200 else text[:200] + "…"
        return f"redirect not followed: its Location {shown!r} is not a URL ({exc})"
    return None
