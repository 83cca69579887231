"""A raw-socket fixture server whose answers are fixed byte strings: odd heads, chunked and close-delimited bodies.

Run ``python -m support.raw_site [--tls CERT KEY]`` (with ``tests/`` on the path): it binds
127.0.0.1 on a free port, prints ``http://127.0.0.1:PORT/`` (``https://`` with ``--tls``) and
serves until SIGTERM/SIGINT. From tests, use :func:`running_raw_site`.

Every answer is in :data:`ANSWERS`: the exact head (:attr:`Answer.head`) and the bytes of the
body as they go on the wire (:attr:`Answer.wire_body`, chunk framing included) next to the
entity a client de-chunks them to (:attr:`Answer.entity`), so a test can compare what a WARC
kept with what was sent, byte for byte. A connection serves requests one after the other
until the client closes it or an answer ends with closing it (``close``).
"""

from __future__ import annotations

import datetime
import gzip
import ipaddress
import socket
import socketserver
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from support.launcher import launch_server, module_command, serve_until_signalled, support_env

__all__ = ["ANSWERS", "ARTICLE_TITLE", "ETAG_NOT_MODIFIED", "Answer", "make_certificate", "running_raw_site"]

ARTICLE_TITLE = "Harbour Cranes Return to the Old Port"
_PARAGRAPH = ("After eleven years of silence the old port of Velmora has its cranes back. The city council "
              "voted on Tuesday to restore the three steel cranes that once loaded grain ships, and the first "
              "of them was lifted onto its rails this morning in front of a small crowd of former dockers. ")
ARTICLE = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{ARTICLE_TITLE}</title></head><body>"
           f"<article><h1>{ARTICLE_TITLE}</h1>"
           + "".join(f"<p>{_PARAGRAPH} Paragraph {n}.</p>" for n in range(1, 7))
           + "</article></body></html>").encode("utf-8")
_GZIPPED = gzip.compress(ARTICLE, mtime=0)


def _chunked(data: bytes, sizes: list[int], *, extension: bytes = b"") -> bytes:
    out, pos = [], 0
    for size in sizes:
        piece = data[pos:pos + size]
        pos += len(piece)
        out.append(b"%x%s\r\n%s\r\n" % (len(piece), extension, piece))
    if pos < len(data):
        out.append(b"%x\r\n%s\r\n" % (len(data) - pos, data[pos:]))
    out.append(b"0\r\n\r\n")
    return b"".join(out)


@dataclass(frozen=True)
class Answer:
    """One fixed answer: its head as sent, its body as sent, the entity inside, and whether the server then closes."""

    head: bytes
    wire_body: bytes = b""
    entity: bytes = b""
    close: bool = False
    interim: bytes = b""  # an interim 1xx answer sent before the head

    @property
    def wire(self) -> bytes:
        """Every byte the server sends."""
        return self.interim + self.head + self.wire_body


ANSWERS: dict[str, Answer] = {
    # HTTP/1.0, custom reason phrase, odd case and order, extra spaces, repeated headers, Connection: close.
    "/odd": Answer(
        head=(b"HTTP/1.0 200 Fine Thanks\r\n"
              b"x-ODD-case:   three spaces before, two after  \r\n"
              b"ETag: \"v1-odd\"\r\n"
              b"content-TYPE: text/html; charset=utf-8\r\n"
              b"Set-Cookie: a=1; Path=/\r\n"
              b"Connection: close\r\n"
              b"Set-Cookie: b=2; Path=/\r\n"
              b"X-Repeated: one\r\n"
              b"X-Repeated:two\r\n"
              b"Content-Length: %d\r\n"
              b"\r\n") % len(ARTICLE),
        wire_body=ARTICLE, entity=ARTICLE, close=True),
    # The same entity with a length and chunked: one payload digest, so the second is a revisit.
    "/plain": Answer(
        head=b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(ARTICLE),
        wire_body=ARTICLE, entity=ARTICLE),
    "/chunked": Answer(
        head=(b"HTTP/1.1 200 OK\r\n"
              b"Content-Type: text/html; charset=utf-8\r\n"
              b"Transfer-Encoding: chunked\r\n"
              b"X-After-Framing: kept\r\n"
              b"\r\n"),
        wire_body=_chunked(ARTICLE, [100, 7, 300], extension=b";ext=1"), entity=ARTICLE),
    # HTTP/1.0 body ended by closing the connection: no Content-Length.
    "/close": Answer(
        head=b"HTTP/1.0 200 Here It Comes\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
        wire_body=ARTICLE.replace(b"Paragraph 6", b"Closing paragraph"),
        entity=ARTICLE.replace(b"Paragraph 6", b"Closing paragraph"), close=True),
    # A gzip body, chunked: stored still gzip, de-chunked.
    "/gzip": Answer(
        head=(b"HTTP/1.1 200 OK\r\n"
              b"content-encoding: gzip\r\n"
              b"Content-Type: text/html; charset=utf-8\r\n"
              b"Vary: Accept-Encoding\r\n"
              b"transfer-encoding: chunked\r\n"
              b"\r\n"),
        wire_body=_chunked(_GZIPPED, [64, 64]), entity=_GZIPPED),
    # Bare LF line ends and a folded header line (obs-fold), both still read by the client.
    "/lf": Answer(
        head=(b"HTTP/1.1 200 Okay Then\n"
              b"Content-Type: text/html\n"
              b"X-Folded: first part\n"
              b"\tsecond part\n"
              b"Content-Length: %d\n"
              b"\n") % len(ARTICLE.replace(b"Velmora", b"Lindvik")),
        wire_body=ARTICLE.replace(b"Velmora", b"Lindvik"), entity=ARTICLE.replace(b"Velmora", b"Lindvik")),
    # An interim answer first (the client reads past it): the head stored is the final answer's.
    "/continue": Answer(
        interim=b"HTTP/1.1 102 Still Working\r\nX-Progress: 50%\r\n\r\n",
        head=b"HTTP/1.1 200 Done At Last\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\n",
        wire_body=b"done\n", entity=b"done\n"),
    # Answers with a validator; asked with If-None-Match for it, /etag answers ETAG_NOT_MODIFIED.
    "/etag": Answer(
        head=(b"HTTP/1.1 200 OK\r\nETag: \"v7\"\r\nContent-Type: text/html; charset=utf-8\r\n"
              b"Content-Length: %d\r\n\r\n") % len(ARTICLE.replace(b"Velmora", b"Etagsby")),
        wire_body=ARTICLE.replace(b"Velmora", b"Etagsby"), entity=ARTICLE.replace(b"Velmora", b"Etagsby")),
    # A continuation line of spaces only: the client reads on, a WARC reader would stop there.
    "/spaces-line": Answer(
        head=b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: b\r\n   \r\nContent-Length: 3\r\n\r\n",
        wire_body=b"ok\n", entity=b"ok\n"),
    # Not Modified (unasked for): a head only; Scrapy hands it on as the answer.
    "/not-modified": Answer(
        head=b"HTTP/1.1 304 Not Modified\r\nETag: \"v1-odd\"\r\nCache-Control:  max-age=60\r\n\r\n"),
    # A redirect with its own reason phrase and an upper-case Location header.
    "/redirect": Answer(
        head=b"HTTP/1.1 301 Gone Elsewhere\r\nLOCATION: /odd\r\ncontent-length: 0\r\n\r\n"),
}
ETAG_NOT_MODIFIED = Answer(head=b"HTTP/1.1 304 Not Modified\r\nEtag:  \"v7\"\r\nX-Cache: revalidated\r\n\r\n")
_NOT_FOUND = Answer(head=b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


class _RawHandler(socketserver.BaseRequestHandler):
    """Reads requests off one connection and writes the fixed answers."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = sock.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            method, target = head.split(b" ", 2)[:2]
            answer = ANSWERS.get(target.decode("latin-1").split("?")[0], _NOT_FOUND)
            if answer is ANSWERS["/etag"] and b'\r\nif-none-match: "v7"' in head.lower():
                answer = ETAG_NOT_MODIFIED
            sock.sendall(answer.interim + answer.head if method == b"HEAD" else answer.wire)
            if answer.close:
                return


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _RawHandler)
        self.tls = tls

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True)
        return sock, address

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with suppress(OSError):  # the client may have gone already
            request.shutdown(socket.SHUT_WR)
        request.close()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem) in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _find_url(line: str) -> str | None:
    line = line.strip()
    return line if line.startswith(("http://127.0.0.1:", "https://127.0.0.1:")) else None


@contextmanager
def running_raw_site(tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """Run the server in a subprocess for the block; yields its base URL (https with ``tls`` = (cert, key))."""
    args = ["--tls", str(tls[0]), str(tls[1])] if tls else []
    with launch_server(module_command("support.raw_site", *args), what="raw fixture server", env=support_env(),
                       find_url=_find_url, stop_timeout=5) as server:
        yield server.url


def main() -> None:
    tls = None
    if sys.argv[1:2] == ["--tls"]:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(sys.argv[2], sys.argv[3])
    server = _Server(tls)
    serve_until_signalled(server, "http" if tls is None else "https")


if __name__ == "__main__":
    main()
