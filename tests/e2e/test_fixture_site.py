"""Tests for the local fixture news site (tests/support/fixture_site.py)."""

from __future__ import annotations

import gzip
import hashlib
import html
import http.client
import json
import re
import signal
import socket
import subprocess
import urllib.parse
from collections.abc import Iterator

import pytest
from support.fixture_site import (
    ARTICLE_PATH,
    CP1251_TITLE,
    RunningSite,
    parse_seed,
    running_site,
)
from support.launcher import module_command, support_env

ORIGINAL_URL = "https://www.themoscowtimes.com" + ARTICLE_PATH


@pytest.fixture(scope="module")
def site() -> Iterator[RunningSite]:
    with running_site() as running:
        yield running


def address(site: RunningSite) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(site.url)
    return parts.hostname, parts.port


def get(site: RunningSite, path: str, headers: dict[str, str] | None = None,
        method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on a fresh connection; no redirect following, no decoding."""
    conn = http.client.HTTPConnection(*address(site), timeout=5)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def raw_exchange(site: RunningSite, request: bytes, timeout: float = 5) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    with socket.create_connection(address(site), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        return data


def log_entries(site: RunningSite, path: str) -> list[dict]:
    return [entry for entry in site.log() if entry["path"] == path]


# ------------------------------------------------------------------ homepage and article


def test_homepage_links_to_article(site: RunningSite) -> None:
    status, headers, body = get(site, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    for href in (ARTICLE_PATH, "/chunked", "/cp1251", "/changing"):
        assert f'href="{href}"'.encode() in body


def test_article_is_gzipped_deterministically(site: RunningSite) -> None:
    status, headers, body = get(site, ARTICLE_PATH, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Last-Modified"] and headers["ETag"]
    assert body[:2] == b"\x1f\x8b"
    assert get(site, ARTICLE_PATH, {"Accept-Encoding": "gzip"})[2] == body

    status, plain_headers, plain = get(site, ARTICLE_PATH, {"Accept-Encoding": "identity"})
    assert status == 200 and "Content-Encoding" not in plain_headers
    assert int(plain_headers["Content-Length"]) == len(plain)
    assert gzip.decompress(body) == plain
    assert plain_headers["ETag"] != headers["ETag"]


def test_article_markup_and_metadata(site: RunningSite) -> None:
    page = get(site, ARTICLE_PATH)[2].decode("utf-8")
    assert '<html lang="en">' in page and '<meta charset="utf-8">' in page
    assert "<title>Frustration With Russia Grows in Armenia - The Moscow Times</title>" in page
    assert f'<link rel="canonical" href="{ORIGINAL_URL}">' in page
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', page))
    assert meta["og:title"] == "Frustration With Russia Grows in Armenia"
    assert meta["og:site_name"] == "The Moscow Times"
    assert meta["og:type"] == "article"
    assert meta["og:url"] == ORIGINAL_URL
    assert meta["og:description"] and meta["og:image"] and meta["description"]
    assert meta["article:published_time"] == "2023-04-16T12:05:00+03:00"

    ld_text = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    ld = json.loads(ld_text.group(1))
    assert ld["@type"] == "NewsArticle"
    assert ld["headline"] == "Frustration With Russia Grows in Armenia"
    assert ld["datePublished"] == "2023-04-16T12:05:00+03:00"
    assert ld["dateModified"] == "2023-04-16T14:30:00+03:00"
    assert ld["author"] == {"@type": "Organization", "name": "AFP"}
    assert ld["publisher"]["@type"] == "Organization"
    assert ld["publisher"]["name"] == "The Moscow Times"
    assert ld["mainEntityOfPage"]

    for phrase in ("<h1", ">AFP</a>", '<time class="article__date" datetime="2023-04-16T12:05:00',
                   "April 16, 2023</time>", "<figure", "Alexander Patrin/TASS", "Ukraine War",
                   "Subscribe to our newsletter", "We use cookies to improve your experience.",
                   "Accept all cookies", "Most read this week", "3 comments",
                   "Reader comment: this is outrageous",
                   "&copy; 2023 The Moscow Times. All rights reserved.", "Privacy policy"):
        assert phrase in page, phrase


def test_article_contains_every_seed_paragraph(site: RunningSite) -> None:
    page = get(site, ARTICLE_PATH)[2].decode("utf-8")
    article = re.search(r"<article.*?</article>", page, re.S).group(0)
    paragraphs = [html.unescape(p) for p in re.findall(r"<p>(.*?)</p>", article)]
    seed = parse_seed()
    assert len(seed.paragraphs) == 18
    assert paragraphs == seed.paragraphs
    assert not any("Related article" in p or "**" in p for p in seed.paragraphs)
    assert page.count('class="related-article"') == 2


def test_copy_is_byte_identical(site: RunningSite) -> None:
    for encoding in ("gzip", "identity"):
        original = get(site, ARTICLE_PATH, {"Accept-Encoding": encoding})
        copy = get(site, "/copy/frustration", {"Accept-Encoding": encoding})
        assert copy[0] == 200
        assert copy[2] == original[2]
        assert copy[1]["ETag"] == original[1]["ETag"]


# ------------------------------------------------------------------ transport quirks


def test_chunked_on_the_wire(site: RunningSite) -> None:
    data = raw_exchange(site, b"GET /chunked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, rest = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"\r\nTransfer-Encoding: chunked" in head
    assert b"Content-Length" not in head
    chunks = []
    while True:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line, 16)
        chunks.append(rest[:size])
        assert rest[size:size + 2] == b"\r\n"
        rest = rest[size + 2:]
        if size == 0:
            break
    assert rest == b""
    assert len(chunks) >= 4  # several data chunks plus the terminator
    body = b"".join(chunks)
    assert body.startswith(b"<!DOCTYPE html>") and body.endswith(b"</html>\n")
    entry = log_entries(site, "/chunked")[-1]
    assert entry["body_sha1"] == hashlib.sha1(body).hexdigest()
    assert entry["body_length"] == len(body)


def test_redirect_chain(site: RunningSite) -> None:
    status, headers, body = get(site, "/redirect")
    assert (status, headers["Location"]) == (301, "/redirect-2")
    assert b"Moved" in body and int(headers["Content-Length"]) == len(body)
    status, headers, body = get(site, "/redirect-2")
    assert (status, headers["Location"]) == (302, ARTICLE_PATH)
    assert b"Moved" in body


def test_cp1251_declared_only_in_meta(site: RunningSite) -> None:
    status, headers, body = get(site, "/cp1251")
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert int(headers["Content-Length"]) == len(body)
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    page = body.decode("cp1251")
    assert '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">' in page
    assert f"<title>{CP1251_TITLE}</title>" in page and f"<h1>{CP1251_TITLE}</h1>" in page
    paragraphs = re.findall(r"<p>(.*?)</p>", page)
    assert len(paragraphs) >= 5
    assert all(len(p.split()) >= 40 for p in paragraphs)


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/404", 404, b"Page not found"),
    ("/500", 500, b"Internal Server Error"),
    ("/no/such/page", 404, b"Page not found"),
])
def test_error_pages(site: RunningSite, path: str, status: int, text: bytes) -> None:
    got_status, headers, body = get(site, path)
    assert got_status == status and text in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)


def test_pdf(site: RunningSite) -> None:
    status, headers, body = get(site, "/report.pdf")
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert int(headers["Content-Length"]) == len(body)
    assert body.startswith(b"%PDF-1.4\n") and body.rstrip().endswith(b"%%EOF")
    startxref = int(body.rsplit(b"startxref", 1)[1].split()[0])
    assert body[startxref:].startswith(b"xref")
    offsets = [int(line[:10]) for line in body[startxref:].splitlines()[3:8]]
    for number, offset in enumerate(offsets, 1):
        assert body[offset:].startswith(b"%d 0 obj" % number)


def test_slow_sends_nothing_for_a_while(site: RunningSite) -> None:
    with socket.create_connection(address(site), timeout=0.5) as sock:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(TimeoutError):
            sock.recv(1)


def test_reset_mid_body(site: RunningSite) -> None:
    with socket.create_connection(address(site), timeout=5) as sock:
        sock.sendall(b"GET /reset HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        with pytest.raises(ConnectionResetError):
            while chunk := sock.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert b"\r\nContent-Length: 100000" in head and b"\r\nConnection: close" in head
    assert 0 < len(body) <= 2000
    entry = log_entries(site, "/reset")[-1]
    assert entry["body_length"] == 2000 and entry["status"] == 200


def test_reset_seen_by_http_client(site: RunningSite) -> None:
    conn = http.client.HTTPConnection(*address(site), timeout=5)
    try:
        conn.request("GET", "/reset")
        response = conn.getresponse()
        assert response.getheader("Content-Length") == "100000"
        with pytest.raises((ConnectionResetError, http.client.IncompleteRead)):
            response.read()
    finally:
        conn.close()


def test_changing_follows_control(site: RunningSite) -> None:
    _, headers, v1 = get(site, "/changing")
    assert b"Version 1</title>" in v1 and int(headers["Content-Length"]) == len(v1)
    assert "Content-Encoding" not in headers
    try:
        assert site.control(changing=2) == 204
        v2 = get(site, "/changing", {"Accept-Encoding": "gzip"})[2]
        assert b"Version 2</title>" in v2
        differing = set(re.findall(rb"<p>.*?</p>", v1)) ^ set(re.findall(rb"<p>.*?</p>", v2))
        assert len(differing) == 2  # exactly one paragraph changed
    finally:
        site.control(changing=1)
    assert get(site, "/changing")[2] == v1


def test_robots(site: RunningSite) -> None:
    status, headers, body = get(site, "/robots.txt")
    assert status == 200 and body == b"User-agent: *\nAllow: /\n"
    assert headers["Content-Type"].startswith("text/plain")


# ------------------------------------------------------------------ log and connections


def test_log_records_exact_request_bytes(site: RunningSite) -> None:
    request = (b"GET /copy/frustration?probe=raw HTTP/1.1\r\nhOsT: example.test\r\n"
               b"Accept-Encoding: gzip\r\nX-Odd:   spaced value \r\nConnection: close\r\n\r\n")
    data = raw_exchange(site, request)
    body = data.partition(b"\r\n\r\n")[2]
    [entry] = log_entries(site, "/copy/frustration?probe=raw")
    assert entry["raw_request"] == request.decode("latin-1")
    assert entry["status"] == 200
    assert entry["body_sha1"] == hashlib.sha1(body).hexdigest()
    assert entry["body_length"] == len(body)
    assert not any(e["path"].startswith(("/_log", "/_control")) for e in site.log())


def test_keep_alive_serves_several_requests_per_connection(site: RunningSite) -> None:
    conn = http.client.HTTPConnection(*address(site), timeout=5)
    try:
        paths = ["/?ka=1", "/chunked?ka=2", ARTICLE_PATH + "?ka=3", "/404?ka=4"]
        sockets = []
        for path in paths:
            conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = conn.getresponse()
            response.read()
            assert response.getheader("Connection") is None
            sockets.append(conn.sock)
        assert sockets[0] is not None
        assert all(s is sockets[0] for s in sockets)  # one socket reused throughout
    finally:
        conn.close()
    heads = [log_entries(site, path)[0]["raw_request"] for path in paths]
    assert [h.split(" ")[1] for h in heads] == paths  # one clean head per request


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_script_exits_cleanly_on_signal(signum: int) -> None:
    proc = subprocess.Popen(module_command("support.fixture_site"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=support_env())
    try:
        line = proc.stdout.readline()
        assert re.fullmatch(rb"http://127\.0\.0\.1:\d+/\n", line)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and out == b"" and err == b""
