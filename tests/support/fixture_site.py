"""A local "fixture news site" for end-to-end tests (standard library only).

Run ``python -m support.fixture_site`` (with ``tests/`` on the path): it binds 127.0.0.1 on a
free port, prints one line ``http://127.0.0.1:PORT/`` and serves until SIGTERM/SIGINT. From
tests, use the ``running_site()`` context manager, which does exactly that in a subprocess
(through :func:`support.launcher.launch_server`).

Routes (matched on the path; a query string is ignored except by ``/_control``):

``/``
    Homepage / section index linking to the article and a few other routes.
``/2023/04/16/frustration-with-russia-grows-in-armenia-a80849``
    The seed article (tests/support/fixtures/seed_article.md) as a realistic news page: OpenGraph,
    JSON-LD ``NewsArticle``, canonical link, nav menu, cookie banner, sidebar, comments,
    footer. gzip-encoded (deterministic bytes) when Accept-Encoding allows gzip, identity
    otherwise; ``Vary``, ``Last-Modified`` and ``ETag`` headers.
``/copy/frustration``
    Byte-identical body (and headers) to the article, at another URL.
``/chunked``
    Small HTML article sent with ``Transfer-Encoding: chunked`` in several chunks.
``/redirect``, ``/redirect-2``
    301 to ``/redirect-2``, which 302s to the article.
``/cp1251``
    Russian article encoded in windows-1251; the charset is declared only in a
    ``<meta http-equiv>`` tag (the header is plain ``Content-Type: text/html``).
``/404``, ``/500``
    Error pages with those statuses (any unknown path is also a 404).
``/report.pdf``
    A tiny valid PDF.
``/slow``
    Sleeps 120 s before answering (for client timeouts).
``/reset``
    Headers promise ``Content-Length: 100000``; ~2000 body bytes are sent, then the
    connection is aborted with a TCP RST.
``/changing``
    Article whose title and one paragraph depend on a server-side version (starts at 1).
``/loop``, ``/loop-2``
    A redirect loop: ``/loop`` 302s to ``/loop-2``, which 302s back to ``/loop``.
``/bad-gzip``
    ``Content-Encoding: gzip`` with a body that is not gzip at all.
``/length-long``
    Headers promise ``Content-Length: 5000``; 1000 bytes are sent, then the connection is
    closed cleanly (FIN, not RST).
``/length-short``
    Headers say ``Content-Length: 100``; the whole ~2000-byte page is sent, then the
    connection is closed.
``/bad-charset``
    UTF-8 article whose header and ``<meta>`` both declare ``charset=no-such-charset``.
``/deep``
    HTML nested 100,000 ``<div>`` levels deep (~1.1 MB).
``/binary``
    64 KiB of pseudo-random bytes (always the same) served as ``text/html``.
``/huge``, ``/huge.bin``
    A 1,000,000,000-byte body (``Content-Length`` correct), generated lazily while it is
    sent (``huge_body()``): an HTML page of endlessly repeated paragraphs, as ``text/html``
    or as ``application/octet-stream``. Never held in memory.
``/trickle``
    Headers promise ``Content-Length: 1000000``; 2000 bytes are sent every 0.1 s (the
    whole body would take 50 s).
``/stall``
    Headers promise ``Content-Length: 100000``; 1000 bytes are sent, then nothing for
    120 s.
``/robots.txt``
    Allows everything.
``/_control?changing=N``
    Sets the ``/changing`` version to N; answers 204. Not logged.
``/_log``
    JSON list with one entry per request received (except ``/_log`` and ``/_control``):
    ``path`` (request target, with query), ``raw_request`` (request head exactly as read
    from the socket, latin-1), ``status``, ``body_sha1`` and ``body_length`` of the body
    bytes sent (after gzip, without chunk framing). An entry is appended when the response
    is committed, just before its bytes are written, so a client that has seen a response
    always finds its entry; for ``/slow`` it describes the reply due after the sleep. For
    the streamed routes (``/huge``, ``/huge.bin``, ``/trickle``) ``body_sha1`` is null and
    ``body_length`` is the length promised; for ``/length-short`` they describe all the
    bytes written after the head, for ``/stall`` and ``/length-long`` the bytes sent.

Every response except ``/chunked`` (and the bodiless 204) carries a Content-Length, correct
except on ``/length-long``, ``/length-short`` and ``/stall``; connections are
HTTP/1.1 keep-alive except ``/reset``, ``/length-long`` and ``/length-short``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import html
import json
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from support.launcher import launch_server, module_command, serve_until_signalled, support_env

SEED_PATH = Path(__file__).with_name("fixtures") / "seed_article.md"
ARTICLE_PATH = "/2023/04/16/frustration-with-russia-grows-in-armenia-a80849"
SITE_NAME = "The Moscow Times"
PUBLISHED = "2023-04-16T12:05:00+03:00"
MODIFIED = "2023-04-16T14:30:00+03:00"
LAST_MODIFIED = "Sun, 16 Apr 2023 11:30:00 GMT"  # == MODIFIED, in HTTP date format
HTML_UTF8 = "text/html; charset=utf-8"


def esc(text: str) -> str:
    """Escape text (element content or attribute value) for HTML."""
    return html.escape(text, quote=True)


# --------------------------------------------------------------------------- seed article


@dataclass
class SeedArticle:
    title: str
    author: str
    date: str
    caption: str
    credit: str
    blocks: list[tuple[str, str]]  # ("p", text) or ("related", headline), in page order
    original_url: str

    @property
    def paragraphs(self) -> list[str]:
        return [text for kind, text in self.blocks if kind == "p"]


def _plain(markdown: str) -> str:
    """Strip Markdown bold and links, keeping their text."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", markdown)
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text).strip()


def parse_seed(path: Path = SEED_PATH) -> SeedArticle:
    """Parse the seed Markdown article into its parts."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line]
    title = author = date = caption = credit = original_url = ""
    blocks: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        if line.startswith("# "):
            title = line[2:].strip()
        elif line.startswith("By ") and not author:
            author = _plain(line[3:])
        elif re.fullmatch(r"[A-Z][a-z]+ \d{1,2}, \d{4}", line):
            date = line
        elif line.startswith("**Related article:**"):
            blocks.append(("related", _plain(line.removeprefix("**Related article:**"))))
        elif line == "Original url:":
            original_url = lines[i + 1].strip("<>")
            break
        elif not caption and not blocks and (m := re.fullmatch(r"(.*?)\s*\*\*(.+)\*\*", line)):
            caption, credit = m.group(1), m.group(2)
        else:
            blocks.append(("p", _plain(line)))
    return SeedArticle(title, author, date, caption, credit, blocks, original_url)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


SECTIONS = ["News", "Opinion", "Business", "Ukraine War", "Russian Politics", "Economy",
            "Climate", "Arts and Life", "Multimedia", "Podcasts", "Newsletters", "Archive"]
MOST_READ = ["Kremlin Tightens Grip on Regional Media Ahead of Elections",
             "Ruble Slides to Lowest Level Since Spring",
             "Moscow Rents Soar as Demand Returns to the Capital",
             "Siberian Wildfires Spread Across Thousands of Hectares"]
COMMENTS = [("yerevan_watcher",
             "Reader comment: this is outrageous, the peacekeepers did nothing."),
            ("old_comrade", "Reader comment: the CSTO has been a paper tiger for years."),
            ("kalina1984", "Reader comment: thank you for the balanced reporting.")]


def render_article(a: SeedArticle) -> str:
    """Render the seed article as a full, boilerplate-heavy news page."""
    description = a.paragraphs[0]
    image = "https://static.themoscowtimes.com/image/og/frustration-armenia-a80849.jpg"
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "description": description,
        "image": [image],
        "datePublished": PUBLISHED,
        "dateModified": MODIFIED,
        "author": {"@type": "Organization", "name": a.author},
        "publisher": {"@type": "Organization", "name": SITE_NAME,
                      "logo": {"@type": "ImageObject",
                               "url": "https://static.themoscowtimes.com/img/logo.png"}},
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.original_url},
    }
    nav = "\n".join(f'      <li><a href="/{_slug(s)}">{esc(s)}</a></li>' for s in SECTIONS)
    body = []
    for kind, text in a.blocks:
        if kind == "p":
            body.append(f"      <p>{esc(text)}</p>")
        else:
            body.append(f'      <aside class="related-article"><strong>Related article:</strong> '
                        f'<a href="/2023/04/10/{_slug(text)}">{esc(text)}</a></aside>')
    most_read = "\n".join(f'      <li><a href="/2023/04/1{i}/{_slug(t)}">{esc(t)}</a></li>'
                          for i, t in enumerate(MOST_READ))
    comments = "\n".join(f'    <div class="comment"><p class="comment__author">{esc(who)}</p>'
                         f'<p class="comment__text">{esc(text)}</p></div>'
                         for who, text in COMMENTS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{esc(a.title)} - {SITE_NAME}</title>
  <meta name="description" content="{esc(description)}">
  <link rel="canonical" href="{esc(a.original_url)}">
  <meta property="og:site_name" content="{SITE_NAME}">
  <meta property="og:type" content="article">
  <meta property="og:title" content="{esc(a.title)}">
  <meta property="og:description" content="{esc(description)}">
  <meta property="og:url" content="{esc(a.original_url)}">
  <meta property="og:image" content="{image}">
  <meta property="article:published_time" content="{PUBLISHED}">
  <meta property="article:modified_time" content="{MODIFIED}">
  <meta property="article:section" content="News">
  <script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head>
<body>
  <div class="cookie-banner" role="dialog">
    <p>We use cookies to improve your experience. <a href="/privacy">Learn more</a></p>
    <button type="button">Accept all cookies</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">{SITE_NAME}</a>
    <nav class="menu"><ul>
{nav}
    </ul></nav>
    <a class="newsletter" href="/newsletters">Subscribe to our newsletter</a>
  </header>
  <main>
    <article class="article">
      <h1 class="article__title">{esc(a.title)}</h1>
      <div class="byline">By
        <a href="/authors/{_slug(a.author)}" rel="author">{esc(a.author)}</a></div>
      <time class="article__date" datetime="{PUBLISHED}">{esc(a.date)}</time>
      <figure class="article__image">
        <img src="/media/2023/04/16/armenia-russian-base.jpg" alt="{esc(a.caption)}"
             width="1200" height="800">
        <figcaption>{esc(a.caption)} <span class="credit">{esc(a.credit)}</span></figcaption>
      </figure>
{chr(10).join(body)}
    </article>
    <aside class="sidebar">
      <h2>Most read this week</h2>
      <ol>
{most_read}
      </ol>
    </aside>
  </main>
  <section class="comments" id="comments">
    <h2>{len(COMMENTS)} comments</h2>
{comments}
  </section>
  <footer class="site-footer">
    <p>&copy; 2023 {SITE_NAME}. All rights reserved.</p>
    <a href="/privacy">Privacy policy</a> <a href="/terms">Terms of use</a>
    <a href="/contacts">Contact us</a>
  </footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- other pages


def simple_page(title: str, paragraphs: list[str], lang: str = "en", head: str = "") -> str:
    """A plain article page: <title>, <h1> and one <p> per paragraph."""
    ps = "\n".join(f"    <p>{esc(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{head}  <title>{esc(title)}</title>\n'
            f"</head>\n<body>\n  <article>\n    <h1>{esc(title)}</h1>\n{ps}\n  </article>\n"
            "</body>\n</html>\n")


HOME_LINKS = [(ARTICLE_PATH, "Frustration With Russia Grows in Armenia"),
              ("/redirect", "Armenia: the story so far"),
              ("/chunked", "Streaming dispatch from Yerevan"),
              ("/cp1251", "Новости: Армения и Россия"),
              ("/changing", "Developing story"),
              ("/report.pdf", "Download the annual report (PDF)")]

CHUNKED_PARAGRAPHS = [
    "Streaming dispatch: this page is delivered piece by piece using chunked transfer coding.",
    "Reporters in Yerevan said crowds gathered in the central square on Sunday afternoon.",
    "Officials declined to comment on the talks, which are expected to resume next month.",
    "Analysts said the outcome would shape the region's security arrangements for years.",
]

CHANGING_PARAGRAPHS = [
    "Negotiators met in Yerevan on Monday to discuss the future of the peacekeeping mission.",
    "Both delegations described the atmosphere as constructive but cautious.",
    None,  # the paragraph that changes with the version
    "Further rounds of talks are planned before the end of the year.",
]

CP1251_TITLE = "Новости: Армения и Россия"
CP1251_PARAGRAPHS = [
    "Вторжение России в Украину вызвало волну потрясений на всём постсоветском пространстве. "
    "Традиционные партнёры Москвы всё чаще ищут союзников в других местах, и Армения, которая "
    "десятилетиями полагалась на российскую военную и экономическую поддержку, стала наглядным "
    "примером того, как ослабевает региональное влияние Кремля.",
    "Многие жители Армении говорят, что не могут простить России отказ защитить их страну от "
    "соседнего Азербайджана. Две страны дважды воевали за контроль над спорным Нагорным Карабахом, "
    "и последний конфликт осенью двадцатого года закончился поражением Армении и потерей "
    "территорий, которые она контролировала много лет.",
    "Во время шести недель боёв, унёсших тысячи жизней, Турция оказывала Азербайджану военную "
    "поддержку, тогда как Армения осталась одна перед гораздо более сильным противником. Кремль "
    "вмешался лишь дипломатически: президент России помог заключить соглашение о прекращении огня "
    "и направил миротворцев следить за хрупким перемирием.",
    "Недовольство Москвой усилилось после того, как в середине декабря Азербайджан перекрыл "
    "единственный сухопутный коридор между Карабахом и Арменией. Премьер-министр Армении открыто "
    "жаловался на проблемы с российскими миротворцами и призывал международное сообщество помочь "
    "предотвратить гуманитарную катастрофу в регионе, где без продовольствия и лекарств рискуют "
    "остаться десятки тысяч человек.",
    "В январе Армения отказалась принимать учения Организации Договора о коллективной "
    "безопасности, военного союза под руководством Москвы, однако пока не вышла из него. "
    "Одновременно в страну после объявления мобилизации в сентябре переехали десятки тысяч "
    "россиян, и простых граждан здесь по-прежнему встречают радушно.",
    "Политологи отмечают, что будущее направление Армении остаётся неясным. По их словам, "
    "маленькая страна не может позволить себе выйти из союза, а Москва, исходя из прагматических "
    "соображений, не хочет портить отношения с Азербайджаном и его покровителем Турцией, поэтому "
    "ситуация вряд ли быстро изменится.",
]


BAD_CHARSET_TITLE = "Zürich café reopens after a naïve rénovation"
BAD_CHARSET_PARAGRAPHS = [
    "The café on the Limmat reopened on Monday, its owners said, after a year of work that "
    "went over budget and over time, to the relief of regulars who had crossed the river daily.",
    "Crème brûlée is back on the menu, and so is the façade's original lettering, restored by "
    "hand from photographs taken in the nineteen-twenties by a customer's grandfather.",
]


def build_pdf() -> bytes:
    """A minimal one-page PDF 1.4 with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 72 720 Td (Fixture annual report) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


HUGE_LENGTH = 1_000_000_000
HUGE_HEAD = (b'<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
             b"  <title>An endless page</title>\n</head>\n<body>\n  <article>\n    <h1>An endless page</h1>\n")
HUGE_PARAGRAPH = (b"    <p>This paragraph repeats until the page is a gigabyte long, "
                  b"to see whether an archiver keeps only what it can hold.</p>\n")
_STREAM_CHUNK = 64 * 1024


def huge_body(length: int = HUGE_LENGTH) -> Iterator[bytes]:
    """The first ``length`` bytes of the endless page, in chunks of at most 64 KiB, made as needed."""
    first = HUGE_HEAD[:length]
    if first:
        yield first
    remaining = length - len(first)
    repeats = _STREAM_CHUNK // len(HUGE_PARAGRAPH)
    chunk = HUGE_PARAGRAPH * repeats
    while remaining > 0:
        piece = chunk[:remaining]
        remaining -= len(piece)
        yield piece


def deep_page(depth: int = 100_000) -> bytes:
    """An article buried ``depth`` ``<div>`` levels deep."""
    return (b'<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
            b"  <title>Deep down</title>\n</head>\n<body>\n" + b"<div>" * depth
            + b"<p>The story at the bottom of a very deep page.</p>" + b"</div>" * depth
            + b"\n</body>\n</html>\n")


def binary_body(size: int = 64 * 1024) -> bytes:
    """``size`` pseudo-random bytes, the same on every call."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"fixture-binary-%d" % counter).digest()
        counter += 1
    return bytes(out[:size])


def accepts_gzip(accept_encoding: str) -> bool:
    """True if an Accept-Encoding value allows gzip (a ``q=0`` refuses it)."""
    for part in accept_encoding.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            return not re.fullmatch(r"q=0(\.0*)?", params.replace(" ", "").lower())
    return False


# --------------------------------------------------------------------------- server


class _RecordingReader:
    """Wraps the socket reader and keeps every byte handed out by readline()/read()."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.record = bytearray()

    def readline(self, size: int = -1) -> bytes:
        data = self._raw.readline(size)
        self.record += data
        return data

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.record += data
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class FixtureServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, FixtureHandler)
        self.lock = threading.Lock()
        self.entries: list[dict[str, Any]] = []
        self.changing_version = 1
        article_html = render_article(parse_seed()).encode("utf-8")
        self.article = {False: article_html, True: gzip.compress(article_html, mtime=0)}
        self.pdf = build_pdf()
        self.deep = deep_page()
        self.binary = binary_body()

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # clients hanging up are normal
            super().handle_error(request, client_address)


class FixtureHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FixtureServer

    def version_string(self) -> str:
        return "FixtureNews/1.0"

    def setup(self) -> None:
        super().setup()
        self.rfile = _RecordingReader(self.rfile)

    def handle_one_request(self) -> None:
        self.rfile.record.clear()  # each keep-alive request gets its own head
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing

    def _log(self, status: int, body: bytes) -> None:
        entry = {"path": self.path, "raw_request": bytes(self.rfile.record).decode("latin-1"),
                 "status": status, "body_sha1": hashlib.sha1(body).hexdigest(),
                 "body_length": len(body)}
        with self.server.lock:
            self.server.entries.append(entry)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _respond(self, status: int, body: bytes, content_type: str = HTML_UTF8,
                 headers: dict[str, str] | None = None, log: bool = True) -> None:
        sent = b"" if self.command == "HEAD" else body
        if log:
            self._log(status, sent)
        self._head(status, {"Content-Type": content_type, "Content-Length": str(len(body)),
                            **(headers or {})})
        self.wfile.write(sent)

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path == "/_log":
            with self.server.lock:
                data = json.dumps(self.server.entries).encode()
            self._respond(200, data, "application/json", log=False)
        elif path == "/_control":
            self._control()
        else:
            getattr(self, ROUTES.get(path, "_not_found"))()

    do_HEAD = do_GET

    def _control(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        value = query.pop("changing", [""])[-1]
        if query or not value.isdigit() or int(value) < 1:
            self._respond(400, b"bad control request\n", "text/plain", log=False)
            return
        self.server.changing_version = int(value)
        self._head(204, {})  # no body, so no Content-Length either (RFC 9110)

    # -- routes

    def _home(self) -> None:
        links = "\n".join(f'    <li><a href="{href}">{esc(text)}</a></li>'
                          for href, text in HOME_LINKS)
        page = (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta charset="utf-8">\n'
                f"  <title>News - {SITE_NAME}</title>\n</head>\n<body>\n"
                f"  <h1>Latest news</h1>\n  <ul>\n{links}\n  </ul>\n</body>\n</html>\n")
        self._respond(200, page.encode())

    def _article(self) -> None:
        use_gzip = accepts_gzip(self.headers.get("Accept-Encoding", ""))
        body = self.server.article[use_gzip]
        headers = {"Vary": "Accept-Encoding", "Last-Modified": LAST_MODIFIED,
                   "ETag": f'"{hashlib.sha1(body).hexdigest()[:20]}"',
                   "Cache-Control": "public, max-age=300"}
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        self._respond(200, body, headers=headers)

    def _chunked(self) -> None:
        page = simple_page("Streaming dispatch from Yerevan", CHUNKED_PARAGRAPHS,
                           head='  <meta charset="utf-8">\n').encode()
        size = len(page) // 5 + 1
        chunks = [page[i:i + size] for i in range(0, len(page), size)]
        self._log(200, b"" if self.command == "HEAD" else page)
        self._head(200, {"Content-Type": HTML_UTF8, "Transfer-Encoding": "chunked"})
        if self.command == "HEAD":
            return
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def _redirect(self) -> None:
        first_hop = urllib.parse.urlsplit(self.path).path == "/redirect"
        status, target = (301, "/redirect-2") if first_hop else (302, ARTICLE_PATH)
        body = f'<html><body><p>Moved: <a href="{target}">{target}</a></p></body></html>\n'
        self._respond(status, body.encode(), headers={"Location": target})

    def _cp1251(self) -> None:
        head = '  <meta http-equiv="Content-Type" content="text/html; charset=windows-1251">\n'
        page = simple_page(CP1251_TITLE, CP1251_PARAGRAPHS, lang="ru", head=head)
        self._respond(200, page.encode("cp1251"), "text/html")

    def _not_found(self) -> None:
        self._respond(404, simple_page("Page not found", ["Page not found."]).encode())

    def _server_error(self) -> None:
        page = simple_page("Internal Server Error", ["Internal Server Error."])
        self._respond(500, page.encode())

    def _pdf(self) -> None:
        self._respond(200, self.server.pdf, "application/pdf")

    def _slow(self) -> None:
        body = simple_page("Finally", ["This page took two minutes."]).encode()
        self._log(200, body)
        time.sleep(120)
        self._head(200, {"Content-Type": HTML_UTF8, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _reset(self) -> None:
        page = simple_page("Truncated story", ["This story is cut off mid-body. " * 80]).encode()
        partial = page[:2000]
        self._log(200, partial)
        self._head(200, {"Content-Type": HTML_UTF8, "Content-Length": "100000",
                         "Connection": "close"})
        self.wfile.write(partial)
        self.wfile.flush()
        # A RST makes the peer's kernel drop data it has not read yet: give the client a moment
        # to read the partial body first, so it sees "body cut short", not "no body at all".
        time.sleep(0.3)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # drops makefile()'s reference so close() really closes -> RST
        self.connection.close()
        self.close_connection = True

    def _changing(self) -> None:
        n = self.server.changing_version
        changed = f"In version {n} of this story, officials confirmed revision number {n}."
        paragraphs = [p if p is not None else changed for p in CHANGING_PARAGRAPHS]
        page = simple_page(f"Developing story - Version {n}", paragraphs,
                           head='  <meta charset="utf-8">\n')
        self._respond(200, page.encode())

    def _robots(self) -> None:
        self._respond(200, b"User-agent: *\nAllow: /\n", "text/plain; charset=utf-8")

    # -- hostile routes

    def _log_stream(self, status: int, length: int) -> None:
        entry = {"path": self.path, "raw_request": bytes(self.rfile.record).decode("latin-1"),
                 "status": status, "body_sha1": None, "body_length": length}
        with self.server.lock:
            self.server.entries.append(entry)

    def _loop(self) -> None:
        target = "/loop-2" if urllib.parse.urlsplit(self.path).path == "/loop" else "/loop"
        body = f'<html><body><p>Moved: <a href="{target}">{target}</a></p></body></html>\n'
        self._respond(302, body.encode(), headers={"Location": target})

    def _bad_gzip(self) -> None:
        page = simple_page("Not really gzip", ["This page says gzip but is plain text."])
        self._respond(200, page.encode(), headers={"Content-Encoding": "gzip"})

    def _lying_length(self) -> None:
        page = simple_page("Wrong length", ["The Content-Length header of this page is wrong. " * 40]).encode()
        is_long = urllib.parse.urlsplit(self.path).path == "/length-long"
        promised, sent = (5000, page[:1000]) if is_long else (100, page)
        self._log(200, sent)
        self._head(200, {"Content-Type": HTML_UTF8, "Content-Length": str(promised), "Connection": "close"})
        if self.command != "HEAD":
            self.wfile.write(sent)
        self.close_connection = True  # a clean close (FIN) after the bytes

    def _bad_charset(self) -> None:
        head = '  <meta charset="no-such-charset">\n'
        page = simple_page(BAD_CHARSET_TITLE, BAD_CHARSET_PARAGRAPHS, head=head)
        self._respond(200, page.encode("utf-8"), "text/html; charset=no-such-charset")

    def _deep(self) -> None:
        self._respond(200, self.server.deep)

    def _binary(self) -> None:
        self._respond(200, self.server.binary, "text/html")

    def _huge(self) -> None:
        is_html = urllib.parse.urlsplit(self.path).path == "/huge"
        self._log_stream(200, HUGE_LENGTH)
        self._head(200, {"Content-Type": HTML_UTF8 if is_html else "application/octet-stream",
                         "Content-Length": str(HUGE_LENGTH)})
        if self.command == "HEAD":
            return
        for chunk in huge_body():  # made as sent: memory stays flat whatever the length
            self.wfile.write(chunk)

    def _trickle(self) -> None:
        body = b"".join(huge_body(1_000_000))
        self._log_stream(200, len(body))
        self._head(200, {"Content-Type": HTML_UTF8, "Content-Length": str(len(body))})
        if self.command == "HEAD":
            return
        for start in range(0, len(body), 2000):
            self.wfile.write(body[start:start + 2000])
            self.wfile.flush()
            time.sleep(0.1)

    def _stall(self) -> None:
        sent = b"".join(huge_body(1000))
        self._log(200, sent)
        self._head(200, {"Content-Type": HTML_UTF8, "Content-Length": "100000"})
        if self.command == "HEAD":
            return
        self.wfile.write(sent)
        self.wfile.flush()
        time.sleep(120)
        self.close_connection = True


ROUTES = {
    "/": "_home",
    ARTICLE_PATH: "_article",
    "/copy/frustration": "_article",
    "/chunked": "_chunked",
    "/redirect": "_redirect",
    "/redirect-2": "_redirect",
    "/cp1251": "_cp1251",
    "/404": "_not_found",
    "/500": "_server_error",
    "/report.pdf": "_pdf",
    "/slow": "_slow",
    "/reset": "_reset",
    "/changing": "_changing",
    "/robots.txt": "_robots",
    "/loop": "_loop",
    "/loop-2": "_loop",
    "/bad-gzip": "_bad_gzip",
    "/length-long": "_lying_length",
    "/length-short": "_lying_length",
    "/bad-charset": "_bad_charset",
    "/deep": "_deep",
    "/binary": "_binary",
    "/huge": "_huge",
    "/huge.bin": "_huge",
    "/trickle": "_trickle",
    "/stall": "_stall",
}


# --------------------------------------------------------------------------- entry points


def main() -> None:
    """Serve on 127.0.0.1:<free port>, print the base URL, run until SIGTERM/SIGINT."""
    serve_until_signalled(FixtureServer(("127.0.0.1", 0)))


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never use a proxy


@dataclass
class RunningSite:
    url: str  # base URL, with trailing slash

    def log(self) -> list[dict[str, Any]]:
        """Every request the site has received so far (see ``/_log``)."""
        with _OPENER.open(self.url + "_log", timeout=10) as response:
            return json.load(response)

    def control(self, **params: Any) -> int:
        """Send ``/_control?...`` (e.g. ``changing=2``); returns the HTTP status."""
        query = urllib.parse.urlencode(params)
        with _OPENER.open(f"{self.url}_control?{query}", timeout=10) as response:
            return response.status


@contextlib.contextmanager
def running_site() -> Iterator[RunningSite]:
    """Run the fixture site in a subprocess for the duration of the block."""
    with launch_server(module_command("support.fixture_site"), what="fixture site", env=support_env(),
                       stop_timeout=5) as server:
        yield RunningSite(server.url)


if __name__ == "__main__":
    main()
