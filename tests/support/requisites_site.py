"""A news site whose pages need requisites, and a second server playing its CDN (standard library only).

Both bind 127.0.0.1 on a port of their own and count hits per path (``/_hits`` gives them as
JSON, ``/_reset`` clears them). From tests, ``running_requisites_site()`` starts both (each
in a subprocess, through :func:`support.launcher.launch_server`) and yields a
:class:`RequisitesSite` with both base URLs and the list of what each page needs.

Site (``python -m support.requisites_site site --cdn CDN_URL``):

``/articles/one``
    The article of :data:`ONE_REQUISITES`: 12 images (``src``, ``srcset``, ``picture``/``source``,
    ``data-src``, ``data-lazy-src``, an inline ``style`` ``url()``, a video ``poster``), two
    stylesheets (the site's, which ``@import`` s a third, and the CDN's theme with an
    ``@font-face`` web font and a background image), a favicon and a script.
``/articles/two``
    Shares the logo, both stylesheets (so the font and the CSS images) and the favicon; one photo of its own.
``/articles/many``
    5,000 images (``/img/many/N.gif`` on the CDN).
``/articles/huge``
    A 1 GB image (``/big/huge.jpg`` on the CDN, generated while it is sent), a small photo and the site CSS.
``/articles/blocked``
    A photo the CDN's robots.txt disallows (``/private/blocked.png``) and one it allows.
``/sitemap.xml``
    Lists ``one`` and ``two`` (for ``archiver crawl --sitemap``); ``/robots.txt`` allows all.

The CSS rule ``.archived-only { color: rgb(1, 128, 2) }`` is set only by the site's stylesheet,
so a replay whose computed style of ``#proof`` has that colour used the archived CSS. The font
``ArchivedSans`` is DejaVu Sans Mono as Debian's ``fonts-dejavu-core`` ships it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from support.images import gif, jpeg, png
from support.launcher import launch_server, module_command, serve_until_signalled, support_env

__all__ = ["FONT_PATH", "HUGE_SIZE", "MANY_IMAGES", "ONE_REQUISITES", "TWO_REQUISITES", "RequisitesSite",
           "running_requisites_site"]

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
MANY_IMAGES = 5000
HUGE_SIZE = 10**9
PROOF_COLOUR = "rgb(1, 128, 2)"

# Images: path -> (body maker, content type). Each has its own size (naturalWidth) and payload.
_IMAGES: dict[str, tuple[Any, str]] = {
    "/static/logo.png": (lambda: png(120, 40, (20, 40, 160)), "image/png"),
    "/favicon.ico": (lambda: png(16, 16, (250, 120, 0)), "image/png"),
    "/img/photo-1.jpg": (lambda: jpeg(64, 40, 90), "image/jpeg"),
    "/img/photo-2-1x.png": (lambda: png(48, 32, (10, 150, 60)), "image/png"),
    "/img/photo-2-2x.png": (lambda: png(96, 64, (10, 150, 60)), "image/png"),
    "/img/pic-wide.png": (lambda: png(80, 30, (200, 30, 30)), "image/png"),
    "/img/pic.gif": (lambda: gif(40, 30, (30, 30, 200)), "image/gif"),
    "/img/lazy-1.png": (lambda: png(50, 50, (120, 0, 120)), "image/png"),
    "/img/lazy-2.gif": (lambda: gif(52, 26, (0, 120, 120)), "image/gif"),
    "/img/photo-3.png": (lambda: png(70, 45, (90, 90, 10)), "image/png"),
    "/img/photo-4.gif": (lambda: gif(44, 44, (160, 160, 160)), "image/gif"),
    "/img/inline-bg.png": (lambda: png(20, 20, (240, 200, 200)), "image/png"),
    "/img/poster.jpg": (lambda: jpeg(80, 45, 200), "image/jpeg"),
    "/img/hero-bg.png": (lambda: png(60, 10, (255, 240, 180)), "image/png"),
    "/img/texture.gif": (lambda: gif(8, 8, (230, 230, 230)), "image/gif"),
    "/img/rule.png": (lambda: png(100, 2, (0, 0, 0)), "image/png"),
    "/img/photo-two.jpg": (lambda: jpeg(72, 48, 150), "image/jpeg"),
    "/img/huge-page.png": (lambda: png(33, 33, (5, 5, 5)), "image/png"),
    "/private/blocked.png": (lambda: png(12, 12, (1, 2, 3)), "image/png"),
    "/img/allowed.png": (lambda: png(13, 13, (3, 2, 1)), "image/png"),
}
_CDN_PREFIXES = ("/img/", "/css/", "/fonts/", "/js/", "/big/", "/private/")
#: On the site's own host, though under a CDN prefix (pages and other paths are on the site too).
_SITE_PATHS = {"/static/logo.png", "/favicon.ico", "/static/site.css", "/static/typography.css",
               "/img/hero-bg.png"}

#: What ``/articles/one`` needs (paths; the ones in ``_SITE_PATHS`` on the site, the others on the CDN).
ONE_REQUISITES = (
    "/static/site.css", "/static/typography.css", "/img/hero-bg.png",      # site CSS, its @import, url()
    "/css/theme.css", "/fonts/archived.ttf", "/img/texture.gif",           # CDN CSS: web font, background
    "/img/rule.png",                                                       # url() in the imported CSS
    "/favicon.ico", "/js/app.js", "/static/logo.png", "/img/photo-1.jpg", "/img/photo-2-1x.png",
    "/img/photo-2-2x.png", "/img/pic-wide.png", "/img/pic.gif", "/img/lazy-1.png", "/img/lazy-2.gif",
    "/img/photo-3.png", "/img/photo-4.gif", "/img/inline-bg.png", "/img/poster.jpg",
)
#: What ``/articles/two`` needs: shared with one except its photo.
TWO_REQUISITES = ("/static/site.css", "/static/typography.css", "/img/hero-bg.png", "/css/theme.css",
                  "/fonts/archived.ttf", "/img/texture.gif", "/img/rule.png", "/favicon.ico",
                  "/static/logo.png", "/img/photo-two.jpg")


def _font_bytes() -> bytes:
    """Debian's DejaVu font (.ci/services installs it); without it, a stand-in with a TrueType header,
    enough for capture tests, which never render the font (the Chromium tests skip without it)."""
    return FONT_PATH.read_bytes() if FONT_PATH.exists() else b"\x00\x01\x00\x00" + bytes(range(256)) * 8


@dataclass
class RequisitesSite:
    """The running site and CDN."""

    site: str
    cdn: str

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site or of the CDN (where :data:`ONE_REQUISITES` puts it)."""
        base = self.site if path in _SITE_PATHS or not path.startswith(_CDN_PREFIXES) \
            else self.cdn
        return base.rstrip("/") + path

    def hits(self) -> Counter[str]:
        """Hits per path on both servers (CDN paths and site paths do not overlap)."""
        counts: Counter[str] = Counter()
        for base in (self.site, self.cdn):
            with urllib.request.urlopen(base.rstrip("/") + "/_hits", timeout=10) as answer:
                counts.update(json.loads(answer.read()))
        return counts

    def reset(self) -> None:
        """Clear both hit counters."""
        for base in (self.site, self.cdn):
            urllib.request.urlopen(base.rstrip("/") + "/_reset", timeout=10).close()


def _article(cdn: str, title: str, body: str, *, head: str = "") -> bytes:
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/static/site.css">
<link rel="stylesheet" href="{cdn}css/theme.css">
<link rel="icon" href="/favicon.ico">
{head}</head>
<body><header><img src="/static/logo.png" alt="The Daily Fixture" width="120" height="40"></header>
<article><h1>{title}</h1>
<p id="proof" class="archived-only">Only the archived stylesheet makes this paragraph green.</p>
{body}
<p>Demonstrators gather outside a Russian military base in Armenia, the photograph's caption said; the
council met again on Tuesday to discuss the budget, the schools, the roads and the hospitals of the
district, and residents asked why the plan had changed since the spring.</p>
<p>Critics argued the plan left rural districts behind and promised to contest it in court next month,
while the mayor explained to a crowded hall why taxes had to rise again this year.</p>
</article></body></html>"""
    return page.encode("utf-8")


def article_one(cdn: str) -> bytes:
    """The article with every kind of requisite (see :data:`ONE_REQUISITES`)."""
    body = f"""<figure><img src="{cdn}img/photo-1.jpg" alt="Demonstrators" width="64" height="40">
<figcaption>Demonstrators gather outside a Russian military base in Armenia. Alexander Patrin/TASS</figcaption></figure>
<img src="{cdn}img/photo-2-1x.png" srcset="{cdn}img/photo-2-1x.png 1x, {cdn}img/photo-2-2x.png 2x" alt="srcset">
<picture><source srcset="{cdn}img/pic-wide.png" media="(min-width: 10000px)">
<img src="{cdn}img/pic.gif" alt="picture"></picture>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
 data-src="{cdn}img/lazy-1.png" alt="lazy">
<img data-lazy-src="{cdn}img/lazy-2.gif" src="{cdn}img/lazy-2.gif" alt="lazy too">
<img src="{cdn}img/photo-3.png" alt="three"> <img src="{cdn}img/photo-4.gif" alt="four">
<div class="boxed" style="background-image: url('{cdn}img/inline-bg.png'); width: 20px; height: 20px"></div>
<video poster="{cdn}img/poster.jpg" width="80" height="45"></video>
<script src="{cdn}js/app.js"></script>"""
    return _article(cdn, "Every kind of requisite", body)


def site_css(cdn: str) -> bytes:
    """The site's stylesheet: an ``@import``, a background image and the rule only the archived CSS sets."""
    return f"""@import url("/static/typography.css");
/* url(/not/a/reference.png) inside a comment is not fetched */
.archived-only {{ color: {PROOF_COLOUR}; }}
header {{ background: url("/img/hero-bg.png") repeat-x; }}
.boxed {{ border: 1px solid #333; }}
""".encode()


def typography_css(cdn: str) -> bytes:
    """Imported by the site's stylesheet: the web font's use and an image on the CDN."""
    return f"""h1 {{ font-family: ArchivedSans, serif; }}
hr, .rule {{ background-image: url({cdn}img/rule.png); }}
""".encode()


def theme_css() -> bytes:
    """The CDN's theme: an ``@font-face`` web font and a background image, relative to the stylesheet."""
    return b"""@font-face { font-family: ArchivedSans; src: url("../fonts/archived.ttf") format("truetype"); }
body { background: #fff url(../img/texture.gif); font-family: serif; }
"""


def article_two(cdn: str) -> bytes:
    """A second article sharing the logo, the stylesheets, the font and the favicon."""
    return _article(cdn, "Shared assets", f'<img src="{cdn}img/photo-two.jpg" alt="two">')


def article_many(cdn: str) -> bytes:
    """A page with :data:`MANY_IMAGES` images."""
    images = "\n".join(f'<img src="{cdn}img/many/{i}.gif" alt="">' for i in range(MANY_IMAGES))
    return _article(cdn, "Five thousand images", images)


def article_blocked(cdn: str) -> bytes:
    """A page with a photo the CDN's robots.txt disallows, and one it allows."""
    return _article(cdn, "Blocked photo", f'<img src="{cdn}private/blocked.png" alt="">'
                    f'<img src="{cdn}img/allowed.png" alt="">')


def article_huge(cdn: str) -> bytes:
    """A page with a 1 GB image and a small one."""
    return _article(cdn, "A huge image", f'<img src="{cdn}big/huge.jpg" alt="huge">'
                    f'<img src="{cdn}img/huge-page.png" alt="small">')


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, role: str, cdn: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.role = role
        self.cdn = cdn
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stops reading the huge image is expected


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.server.role == "cdn":  # a web font from another origin loads only with CORS
            self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path == "/_hits":
            with self.server.lock:
                self._send(200, json.dumps(dict(self.server.hits)).encode(), "application/json")
            return
        if path == "/_reset":
            with self.server.lock:
                self.server.hits.clear()
            self._send(200, b"ok", "text/plain")
            return
        with self.server.lock:
            self.server.hits[path] += 1
        if self.server.role == "site":
            self._site(path)
        else:
            self._cdn(path)

    def _site(self, path: str) -> None:
        cdn = self.server.cdn
        pages = {"/articles/one": article_one, "/articles/two": article_two, "/articles/many": article_many,
                 "/articles/huge": article_huge, "/articles/blocked": article_blocked}
        html = "text/html; charset=utf-8"
        if path in pages:
            self._send(200, pages[path](cdn), html)
        elif path == "/static/site.css":
            self._send(200, site_css(cdn), "text/css")
        elif path == "/static/typography.css":
            self._send(200, typography_css(cdn), "text/css")
        elif path in _IMAGES and path in _SITE_PATHS:
            maker, content_type = _IMAGES[path]
            self._send(200, maker(), content_type)
        elif path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
        elif path == "/sitemap.xml":
            host = f"http://{self.headers.get('Host')}"
            urls = "".join(f"<url><loc>{host}/articles/{name}</loc></url>" for name in ("one", "two"))
            self._send(200, f'<?xml version="1.0" encoding="UTF-8"?><urlset '
                            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode(),
                       "application/xml")
        else:
            self._send(404, b"<html><body>not found</body></html>", html)

    def _cdn(self, path: str) -> None:
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/css/theme.css":
            self._send(200, theme_css(), "text/css")
        elif path == "/fonts/archived.ttf":
            self._send(200, _font_bytes(), "font/ttf")
        elif path == "/js/app.js":
            self._send(200, b"document.documentElement.className += ' js';\n", "application/javascript")
        elif path.startswith("/img/many/") and path.endswith(".gif"):
            number = int(path.rsplit("/", 1)[1].removesuffix(".gif") or 0)
            self._send(200, gif(1 + number % 50, 1 + number // 50, (number % 256, 0, 0)), "image/gif")
        elif path == "/big/huge.jpg":
            self._huge()
        elif path in _IMAGES and path not in _SITE_PATHS:
            maker, content_type = _IMAGES[path]
            self._send(200, maker(), content_type)
        else:
            self._send(404, b"not found", "text/plain")

    def _huge(self) -> None:
        """1 GB, made while it is sent (never held in memory); the client hangs up long before the end."""
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(HUGE_SIZE))
        self.end_headers()
        chunk = b"\xff\xd8" + bytes(64 * 1024 - 2)
        sent = 0
        with contextlib.suppress(OSError):
            while sent < HUGE_SIZE:
                part = chunk[: HUGE_SIZE - sent]
                self.wfile.write(part)
                sent += len(part)
                chunk = bytes(64 * 1024)
        self.close_connection = True


@contextlib.contextmanager
def running_requisites_site() -> Iterator[RequisitesSite]:
    """Start the CDN, then the site that points at it; yield both URLs."""
    env = support_env()
    with launch_server(module_command("support.requisites_site", "cdn"), what="requisites CDN", env=env) as cdn, \
            launch_server(module_command("support.requisites_site", "site", "--cdn", cdn.url),
                          what="requisites site", env=env) as site:
        yield RequisitesSite(site=site.url, cdn=cdn.url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("site", "cdn"))
    parser.add_argument("--cdn", default="", help="the CDN's base URL (for the site)")
    args = parser.parse_args()
    serve_until_signalled(_Server(args.role, args.cdn))


if __name__ == "__main__":
    main()
