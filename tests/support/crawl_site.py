"""A local news site for crawl tests and the crawl benchmark (standard library only).

Run ``python -m support.crawl_site [--articles N] [--padding BYTES] [--requisites]`` (with ``tests/`` on the
path): it binds 127.0.0.1 on a free port, prints ``http://127.0.0.1:PORT/`` and serves until
SIGTERM/SIGINT. From tests, use ``running_crawl_site()``, which does that in a subprocess
(through :func:`support.launcher.launch_server`).

Article ``i`` (0 <= i < N) is ``/YYYY/MM/DD/story-number-i-about-the-news`` (published
2024-04-01 plus ``i`` days, at 08:00 UTC, for the first 600; see :func:`published`), with
JSON-LD ``NewsArticle``, OpenGraph, a byline ``Reporter i%3``, and ``ETag`` / ``Last-Modified``
(answers a matching ``If-None-Match`` or ``If-Modified-Since`` with 304).
HTML is gzip-encoded when the client accepts gzip.

``/robots.txt``
    ``Disallow: /private/`` and ``Sitemap: /sitemap_index.xml``.
``/sitemap_index.xml``
    Index of ``/sitemaps/articles.xml.gz`` (gzipped file, no Content-Encoding) and
    ``/sitemaps/news.xml``.
``/sitemaps/articles.xml.gz``
    ``<url>`` with ``<lastmod>`` for the first ``N - NEWS`` articles, plus ``/private/secret``.
``/sitemaps/news.xml``
    Google News sitemap (``news:title``, ``news:publication_date``) of the last ``NEWS`` articles.
``/feeds/rss.xml``, ``/feeds/atom.xml``
    RSS 2.0 of articles 0-9 with root-relative links; Atom of articles 10-19 with ``xml:base``
    and relative ``href``.
``/``, ``/section/world``, ``/section/business``
    Index pages (several ``<article>`` teasers each, JSON-LD ``CollectionPage``).
``/calendar/YYYY/MM``
    An endless calendar: every month links to the month before and after.
``/list?...``
    A query-string loop: each page links to itself with one more query argument.
``/private/secret``
    Disallowed by robots.txt; an article all the same.
``/static/site.css``, ``/static/logo.png``, ``/static/font.woff2``, ``/static/bg.png``, ``/favicon.ico``,
``/media/I/K.jpg``
    With ``--requisites`` only: every article links the shared stylesheet (a web font and a
    background image in it), the logo and the favicon, and has 10-30 photos of its own
    (:func:`article_images`; the first with a 2x ``srcset``).
``/_hits``
    JSON: how many times each request target (path and query) was requested.
``/_reset``
    Clears the hit counts.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import json
import subprocess
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from support.launcher import launch_server, module_command, serve_until_signalled, support_env

NEWS = 10  # articles in the Google News sitemap
_DAYS = 600  # days of publication (2024-04-01 to 2025-11-21)
FIRST_DAY = datetime(2024, 4, 1, 8, 0, tzinfo=UTC)
LAST_MODIFIED = format_datetime(datetime(2024, 6, 1, tzinfo=UTC), usegmt=True)
_TEXT = ("the council said on tuesday that the new budget would cover schools roads and hospitals while "
         "critics argued the plan left rural districts behind and promised to contest it in court next month "
         "residents gathered outside the town hall to hear the mayor explain why taxes must rise again")
WORDS = _TEXT.split()


def published(i: int) -> datetime:
    """Publication time of article ``i``: one a day from FIRST_DAY, then a few an hour apart each day.

    Every date stays in the past (before 2025-12) however large the site: extractors rightly
    distrust a publication date in the future and then search the whole page for another one,
    which a real news site never makes them do for every article.
    """
    return FIRST_DAY + timedelta(days=i % _DAYS, hours=i // _DAYS)


def article_path(i: int) -> str:
    """The path of article ``i``."""
    return published(i).strftime("/%Y/%m/%d/") + f"story-number-{i}-about-the-news"


def article_title(i: int) -> str:
    """The headline of article ``i``."""
    return f"Council budget story number {i}"


def _paragraphs(i: int, count: int) -> list[str]:
    out = []
    for n in range(count):
        words = [WORDS[(i * 7 + n * 13 + k) % len(WORDS)] for k in range(60)]
        out.append(f"Paragraph {n} of story {i}: " + " ".join(words).capitalize() + ".")
    return out


class Site:
    """What the site serves, built from its size."""

    def __init__(self, articles: int, padding: int, requisites: bool = False) -> None:
        self.articles = articles
        self.padding = padding
        self.requisites = requisites
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.paths = {article_path(i): i for i in range(articles)}
        self.prebuilt: dict[int, tuple[bytes, str]] = {}  # article -> (gzip-encoded page, ETag)

    def prebuild(self) -> None:
        """Build and gzip every article now, so that serving one costs next to nothing.

        For benchmarks: the site shares the machine with the crawler it serves, and a real
        site's server costs the crawler no CPU at all.
        """
        for i in range(self.articles):
            body = self.article_html(i)
            self.prebuilt[i] = (gzip.compress(body, compresslevel=6, mtime=0), _etag(body))

    @lru_cache(maxsize=512)  # noqa: B019 - one Site per process
    def article_html(self, i: int) -> bytes:
        """Article ``i`` as a realistic page; with ``padding``, between padding/2 and padding bytes of
        page furniture (menus, related links, inline scripts) make it bigger."""
        when = published(i).isoformat()
        jsonld = json.dumps({
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article_title(i),
            "datePublished": when, "dateModified": when, "author": {"@type": "Person", "name": f"Reporter {i % 3}"},
            "publisher": {"@type": "Organization", "name": "Crawl Gazette"},
        })
        paragraphs = "".join(f"<p>{p}</p>\n" for p in _paragraphs(i, 8))
        filler = _filler(i, self.padding // 2 + (i * 7919) % (self.padding // 2 + 1)) if self.padding else ""
        head, figures = _requisites_markup(i) if self.requisites else ("", "")
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{article_title(i)} | Crawl Gazette</title>
<meta property="og:type" content="article"><meta property="og:title" content="{article_title(i)}">
<meta name="author" content="Reporter {i % 3}">
<link rel="canonical" href="{article_path(i)}">
<script type="application/ld+json">{jsonld}</script>{head}</head>
<body><nav><a href="/">Home</a> <a href="/section/world">World</a> <a href="/section/business">Business</a></nav>
<main><article><h1>{article_title(i)}</h1><p class="byline">By Reporter {i % 3}, {when[:10]}</p>
{paragraphs}{figures}</article>
<aside><h2>More news</h2><a href="{article_path((i + 1) % self.articles)}">Next story</a></aside></main>
{filler}<footer>Crawl Gazette. All rights reserved.</footer></body></html>""".encode()

    def index_html(self, title: str, links: list[tuple[str, str]], extra: str = "") -> bytes:
        """An index page: one ``<article>`` teaser per link."""
        teasers = "".join(f'<article class="teaser"><h2><a href="{href}">{text}</a></h2></article>\n'
                          for href, text in links)
        jsonld = json.dumps({"@context": "https://schema.org", "@type": "CollectionPage", "name": title})
        return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:type" content="website"><script type="application/ld+json">{jsonld}</script></head>
<body><nav><a href="/">Home</a> <a href="/section/world">World</a> <a href="/section/business">Business</a>
<a href="/calendar/2024/05">Calendar</a> <a href="/list?sort=new">All stories</a></nav>
<h1>{title}</h1>{teasers}{extra}</body></html>""".encode()


def _filler(i: int, size: int) -> str:
    """About ``size`` bytes of realistic page furniture (menus, related links, scripts)."""
    if size <= 0:
        return ""
    blocks: list[str] = []
    total = 0
    n = 0
    while total < size:
        digest = hashlib.sha256(f"{i}/{n}".encode()).hexdigest()
        links = "".join(f'<li class="item-{k}"><a href="/tag/{WORDS[(i + n + k) % len(WORDS)]}-{digest[k:k + 6]}">'
                        f'{" ".join(WORDS[(n + k) % 40:(n + k) % 40 + 6])}</a></li>' for k in range(12))
        block = (f'<div class="related block-{n}" data-id="{digest}"><h3>{" ".join(WORDS[n % 40:n % 40 + 4])}</h3>'
                 f'<ul>{links}</ul><script>window.__data_{digest[:8]} = '
                 f'{json.dumps({"id": digest, "tags": WORDS[n % 30:n % 30 + 8]})};</script></div>\n')
        blocks.append(block)
        total += len(block)
        n += 1
    return "".join(blocks)


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the site."""

    protocol_version = "HTTP/1.1"
    site: Site

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        target = self.path
        path = urlsplit(target).path
        if path not in ("/_hits", "/_reset"):
            with self.site.lock:
                self.site.hits[target] += 1
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(target, path)

    def _route(self, target: str, path: str) -> None:
        site = self.site
        base = f"http://{self.headers.get('Host')}/"
        if path == "/_hits":
            with site.lock:
                return self._send(200, json.dumps(dict(site.hits)).encode(), "application/json")
        if path == "/_reset":
            with site.lock:
                site.hits.clear()
            return self._send(200, b"{}", "application/json")
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}sitemap_index.xml\n".encode()
            return self._send(200, body, "text/plain")
        if path == "/sitemap_index.xml":
            return self._send(200, _sitemap_index(base), "application/xml")
        if path == "/sitemaps/articles.xml.gz":
            return self._send(200, gzip.compress(_articles_sitemap(base, site.articles), mtime=0),
                              "application/x-gzip")
        if path == "/sitemaps/news.xml":
            return self._send(200, _news_sitemap(base, site.articles), "application/xml")
        if path == "/feeds/rss.xml":
            return self._send(200, _rss(site.articles), "application/rss+xml")
        if path == "/feeds/atom.xml":
            return self._send(200, _atom(site.articles), "application/atom+xml")
        if path == "/":
            latest = [(article_path(i), article_title(i)) for i in range(site.articles - 1, site.articles - 6, -1)
                      if i >= 0]
            return self._html(site.index_html("Crawl Gazette", latest))
        if path.startswith("/section/"):
            half = site.articles // 2
            chosen = range(half) if path.endswith("world") else range(half, site.articles)
            return self._html(site.index_html(path.rsplit("/", 1)[-1].title(),
                                              [(article_path(i), article_title(i)) for i in chosen]))
        if path.startswith("/calendar/"):
            return self._calendar(path)
        if path == "/list":
            return self._list(target)
        if path == "/private/secret":
            return self._html(site.article_html(0).replace(b"Council budget", b"Secret"))
        if path in site.paths:
            return self._article(site.paths[path])
        if site.requisites and path in _ASSETS:
            return self._send(200, _asset_body(path), _ASSETS[path])
        if site.requisites and path.startswith("/media/") and path.endswith(".jpg"):
            return self._send(200, _asset_body(path), "image/jpeg")
        return self._send(404, b"<html><body>not found</body></html>", "text/html")

    def _article(self, i: int) -> None:
        prebuilt = self.site.prebuilt.get(i) if "gzip" in self.headers.get("Accept-Encoding", "") else None
        body, etag = prebuilt if prebuilt else (self.site.article_html(i), _etag(self.site.article_html(i)))
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == etag or _not_modified_since(self.headers.get("If-Modified-Since")):
            return self._send(304, b"", None, validators)
        if prebuilt:
            return self._send(200, body, "text/html; charset=utf-8",
                              {**validators, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}, encoded=True)
        return self._html(body, validators)

    def _calendar(self, path: str) -> None:
        try:
            year, month = (int(x) for x in path.split("/")[2:4])
        except ValueError:
            return self._send(404, b"no such month", "text/plain")
        prev_m = (year - 1, 12) if month == 1 else (year, month - 1)
        next_m = (year + 1, 1) if month == 12 else (year, month + 1)
        links = [(f"/calendar/{y}/{m:02d}", f"{y}-{m:02d}") for y, m in (prev_m, next_m)]
        return self._html(self.site.index_html(f"Calendar {year}-{month:02d}", links))

    def _list(self, target: str) -> None:
        query = parse_qsl(urlsplit(target).query, keep_blank_values=True)
        deeper = urlencode([*query, (f"f{len(query)}", "1")])
        return self._html(self.site.index_html("All stories", [(f"/list?{deeper}", "More")]))

    def _html(self, body: bytes, headers: dict[str, str] | None = None) -> None:
        self._send(200, body, "text/html; charset=utf-8", headers)

    def _send(self, status: int, body: bytes, content_type: str | None, headers: dict[str, str] | None = None,
              *, encoded: bool = False) -> None:
        extra = dict(headers or {})
        if (not encoded and content_type and content_type.startswith("text/html")
                and "gzip" in self.headers.get("Accept-Encoding", "")):
            body = _gzip(body)
            extra["Content-Encoding"] = "gzip"
            extra["Vary"] = "Accept-Encoding"
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


#: With ``--requisites``: what every article shares (content types by path).
_ASSETS = {"/static/site.css": "text/css", "/static/logo.png": "image/png", "/favicon.ico": "image/x-icon",
           "/static/font.woff2": "font/woff2", "/static/bg.png": "image/png"}
_SITE_CSS = b"""@font-face { font-family: Gazette; src: url(/static/font.woff2) format("woff2"); }
body { font-family: Gazette, serif; background: url(/static/bg.png); }
figure { margin: 0 0 1em; }
"""


def article_images(i: int) -> int:
    """How many photos article ``i`` has (10 to 30)."""
    return 10 + (i * 7) % 21


def _requisites_markup(i: int) -> tuple[str, str]:
    """The head links and the figures of article ``i`` (``--requisites``)."""
    head = '\n<link rel="stylesheet" href="/static/site.css"><link rel="icon" href="/favicon.ico">'
    figures = ['<img src="/static/logo.png" alt="Crawl Gazette">']
    for k in range(article_images(i)):
        src = f"/media/{i}/{k}.jpg"
        if k == 0:
            figures.append(f'<figure><img src="{src}" srcset="{src} 1x, /media/{i}/{k}-2x.jpg 2x" alt="">'
                           f"<figcaption>Photo {k} of story {i}</figcaption></figure>")
        else:
            figures.append(f'<figure><img src="{src}" alt=""><figcaption>Photo {k}</figcaption></figure>')
    return head, "\n".join(figures)


def _asset_body(path: str) -> bytes:
    """A body for an asset: the stylesheet, or 2-60 KB of bytes particular to the path (photos, fonts)."""
    if path == "/static/site.css":
        return _SITE_CSS
    seed = hashlib.sha256(path.encode()).digest()
    size = 2_000 + int.from_bytes(seed[:4], "big") % 58_000
    return hashlib.shake_256(seed).digest(size)  # incompressible, as photos and fonts are


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'


@lru_cache(maxsize=512)
def _gzip(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def _not_modified_since(value: str | None) -> bool:
    if not value:
        return False
    try:
        return parsedate_to_datetime(value) >= parsedate_to_datetime(LAST_MODIFIED)
    except (TypeError, ValueError):
        return False


def _sitemap_index(base: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{base}sitemaps/articles.xml.gz</loc><lastmod>2024-06-01</lastmod></sitemap>
<sitemap><loc>{base}sitemaps/news.xml</loc></sitemap>
</sitemapindex>""".encode()


def _articles_sitemap(base: str, articles: int) -> bytes:
    urls = "".join(f"<url><loc>{base}{article_path(i)[1:]}</loc><lastmod>{published(i).date()}</lastmod></url>\n"
                   for i in range(max(articles - NEWS, 0)))
    urls += f"<url><loc>{base}private/secret</loc><lastmod>2024-06-01</lastmod></url>\n"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>""".encode()


def _news_sitemap(base: str, articles: int) -> bytes:
    urls = "".join(f"""<url><loc>{base}{article_path(i)[1:]}</loc><news:news>
<news:publication><news:name>Crawl Gazette</news:name><news:language>en</news:language></news:publication>
<news:publication_date>{published(i).isoformat()}</news:publication_date>
<news:title>{article_title(i)}</news:title></news:news></url>
""" for i in range(max(articles - NEWS, 0), articles))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}</urlset>""".encode()


def _rss(articles: int) -> bytes:
    items = "".join(f"""<item><title>{article_title(i)}</title><link>{article_path(i)}</link>
<pubDate>{format_datetime(published(i), usegmt=True)}</pubDate><dc:creator>Reporter {i % 3}</dc:creator>
<description>Summary of story {i}.</description></item>
""" for i in range(min(10, articles)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Crawl Gazette</title>
<link>/</link><description>News</description>
{items}</channel></rss>""".encode()


def _atom(articles: int) -> bytes:
    entries = "".join(f"""<entry><title>{article_title(i)}</title><link rel="alternate" href="{article_path(i)[1:]}"/>
<id>urn:story:{i}</id><published>{published(i).isoformat()}</published><updated>{published(i).isoformat()}</updated>
<author><name>Reporter {i % 3}</name></author><summary>Summary of story {i}.</summary></entry>
""" for i in range(10, min(20, articles)))
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="/"><title>Crawl Gazette</title><id>urn:gazette</id>
<updated>2024-06-01T00:00:00Z</updated>
{entries}</feed>""".encode()


def main(argv: list[str] | None = None) -> None:
    """Serve on 127.0.0.1:<free port>, print the base URL, run until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=30)
    parser.add_argument("--padding", type=int, default=0,
                        help="article i gets between padding/2 and padding bytes of extra markup")
    parser.add_argument("--prebuild", action="store_true",
                        help="build and gzip every article before serving (benchmarks: serving costs no CPU)")
    parser.add_argument("--requisites", action="store_true",
                        help="articles need a shared stylesheet (with a web font and a background), a logo, a "
                             "favicon and 10-30 photos each")
    args = parser.parse_args(argv)
    Handler.site = Site(args.articles, args.padding, args.requisites)
    if args.prebuild:
        Handler.site.prebuild()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serve_until_signalled(server)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class RunningCrawlSite:
    """A running crawl site: its base URL (trailing slash) and its process."""

    url: str
    process: subprocess.Popen[str]

    def hits(self) -> dict[str, int]:
        """How many times each request target was requested."""
        with _OPENER.open(self.url + "_hits", timeout=10) as response:
            return json.load(response)

    def reset_hits(self) -> None:
        """Forget the hit counts."""
        with _OPENER.open(self.url + "_reset", timeout=10):
            pass

    def article_url(self, i: int) -> str:
        """Absolute URL of article ``i``."""
        return self.url.rstrip("/") + article_path(i)


@contextlib.contextmanager
def running_crawl_site(*args: str) -> Iterator[RunningCrawlSite]:
    """Run the crawl site in a subprocess for the duration of the block (``args`` as for :func:`main`)."""
    with launch_server(module_command("support.crawl_site", *args), what="crawl site", env=support_env(),
                       stop_timeout=5) as server:
        yield RunningCrawlSite(server.url, server.process)


if __name__ == "__main__":
    main()
