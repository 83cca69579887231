"""A news site built in the browser, for the browser lane's tests (standard library only).

Every page is an empty app root (``<div id="root">``) that ``/static/app.js`` fills from a JSON
endpoint, so a static capture has no article. Each server counts hits per path (``/_hits`` as
JSON). ``python -m support.browser_site site --private URL --marker TEXT`` serves:

``/news/story`` (and ``/news/story-N``, for the benchmark)
    The client-rendered article: title and body from ``/api/story.json``.
``/news/lazy``
    The article, then a 6000 px spacer and two images far below: ``<img loading=lazy>``
    (``/img/native-lazy.png``) and one an IntersectionObserver loads (``/img/observed-lazy.png``).
``/news/consent``
    The article under a full-screen cookie-consent overlay of colour :data:`OVERLAY_RGB` with
    "Accept all" and "Reject all" buttons; each removes the overlay and reports the choice to
    ``/api/consent?choice=...``.
``/news/private``
    The article, whose script also fetches ``PRIVATE/leak`` (the private server, which only counts).
``/news/kill``
    Its script asks for ``/api/kill-browser``: the server then kills (SIGKILL) the Chromium browser
    process whose command line holds ``--marker`` (the test's own temporary directory), mid-page.
``/news/other``
    The same HTML shell (a single-page app's every route), whose script fetches another article.
``/news/wall``
    A shell whose script builds a bot wall ("Verify you are human") in place of the article.
``/static/plain``
    A server-rendered article (no script): the lane leaves it alone in ``auto``.

``python -m support.browser_site private`` is the private server: it answers anything and counts.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import threading
import urllib.request
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from support.images import png
from support.launcher import launch_server, module_command, serve_until_signalled, support_env

__all__ = ["BODY_WORD", "OVERLAY_RGB", "STORY_TITLE", "browser_processes", "hits", "running_browser_site"]

STORY_TITLE = "Council approves the riverside tram line"
#: The title of ``/news/other``: the same HTML shell as ``/news/story``, another article.
OTHER_TITLE = "Harbour ferries return after the winter pause"
#: A word only the script-fetched body holds: `search` finds it once the rendered article is catalogued.
BODY_WORD = "quokkaferry"
OVERLAY_RGB = (255, 0, 255)
_PARAGRAPHS = [
    f"The city council voted on Tuesday to build the riverside tram line, ending a debate that had run for "
    f"eleven years; the {BODY_WORD} stop at the old harbour will open first, the transport office said.",
    "Supporters said the line would link the northern estates with the hospital and the university, "
    "cutting journeys that now take an hour by bus to less than twenty minutes for thousands of residents.",
    "Opponents argued that the cost had doubled since the first plan and that the money should go to "
    "schools and roads instead; they promised to ask the regional court to review the decision next month.",
    "Construction is due to begin in the spring, with the first trams running within four years if the "
    "contracts are signed on time and the national government keeps its promise to pay half of the bill.",
]

_SHELL = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The Fixture Times</title>
<script src="/static/app.js" defer></script>{head}</head>
<body><div id="root"></div>
<noscript>Please enable JavaScript to read The Fixture Times.</noscript>{extra}</body></html>"""

_APP = """
(async () => {
  const root = document.getElementById('root');
  if (location.pathname === '/news/wall') {
    document.title = 'Just a moment...';
    root.innerHTML = '<h1>Verify you are human</h1><p>Checking your browser before you go on.</p>';
    return;
  }
  const source = location.pathname === '/news/other' ? '/api/other.json' : '/api/story.json';
  const story = await (await fetch(source)).json();
  document.title = story.title;
  const article = document.createElement('article');
  const h1 = document.createElement('h1');
  h1.textContent = story.title;
  article.appendChild(h1);
  for (const text of story.paragraphs) {
    const p = document.createElement('p');
    p.textContent = text;
    article.appendChild(p);
  }
  root.appendChild(article);
  const page = location.pathname;
  if (page === '/news/lazy') {
    const spacer = document.createElement('div');
    spacer.style.height = '6000px';
    root.appendChild(spacer);
    const native = document.createElement('img');
    native.loading = 'lazy';
    native.width = 40; native.height = 40;
    native.src = '/img/native-lazy.png';
    root.appendChild(native);
    const observed = document.createElement('img');
    observed.width = 40; observed.height = 40;
    observed.dataset.src = '/img/observed-lazy.png';
    root.appendChild(observed);
    new IntersectionObserver((entries, observer) => {
      for (const entry of entries) {
        if (entry.isIntersecting) { entry.target.src = entry.target.dataset.src; observer.disconnect(); }
      }
    }).observe(observed);
  }
  if (page === '/news/private') {
    try { await fetch(window.PRIVATE_URL + 'leak'); } catch (e) {}
  }
  if (page === '/news/kill') {
    try { await fetch('/api/kill-browser'); } catch (e) {}
  }
})();
"""

_CONSENT = """
<div id="consent-overlay" class="cookie-consent" role="dialog" aria-modal="true"
     style="position:fixed;inset:0;background:rgb(255,0,255);z-index:9999">
  <p>We and our partners use cookies.</p>
  <button type="button" onclick="choose('accept')">Accept all</button>
  <button type="button" onclick="choose('reject')">Reject all</button>
</div>
<script>
function choose(choice) {
  fetch('/api/consent?choice=' + choice);
  document.getElementById('consent-overlay').remove();
}
</script>"""

_PLAIN = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>A server-rendered story</title></head>
<body><article><h1>A server-rendered story</h1>{body}</article></body></html>"""


def browser_processes(marker: str) -> list[int]:
    """Chromium browser processes (not its helpers) whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [word.decode("utf-8", "replace") for word in command]
        if any(marker in word for word in words) and not any(w.startswith("--type=") for w in words) \
                and any("chrom" in w for w in words[:1]):
            found.append(int(entry.name))
    return found


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        return

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.hits[path] += 1
        if path == "/_hits":
            with self.server.lock:
                self._send(200, "application/json", json.dumps(self.server.hits).encode())
            return
        if self.server.role == "private":
            self._send(200, "text/plain", b"private data")
            return
        answer = self._answer(path)
        if answer is None:
            self._send(404, "text/plain", b"not found")
        else:
            self._send(200, *answer)

    def _answer(self, path: str) -> tuple[str, bytes] | None:
        html = "text/html; charset=utf-8"
        shells = ("/news/story", "/news/other", "/news/lazy", "/news/kill", "/news/wall")
        if path in shells or path.startswith("/news/story-"):
            return html, _SHELL.format(head="", extra="").encode()
        if path == "/news/consent":
            return html, _SHELL.format(head="", extra=_CONSENT).encode()
        if path == "/news/private":
            head = f"<script>window.PRIVATE_URL = {json.dumps(self.server.private)};</script>"
            return html, _SHELL.format(head=head, extra="").encode()
        if path == "/static/plain":
            body = "".join(f"<p>{text}</p>" for text in _PARAGRAPHS)
            return html, _PLAIN.format(body=body).encode()
        if path == "/static/app.js":
            return "application/javascript", _APP.encode()
        if path == "/api/story.json":
            return "application/json", json.dumps({"title": STORY_TITLE, "paragraphs": _PARAGRAPHS}).encode()
        if path == "/api/consent":
            choice = parse_qs(urlsplit(self.path).query).get("choice", ["?"])[0]
            with self.server.lock:
                self.server.hits[f"/api/consent/{choice}"] += 1
            return "application/json", b"{}"
        if path == "/api/other.json":
            return "application/json", json.dumps({"title": OTHER_TITLE, "paragraphs": _PARAGRAPHS[::-1]}).encode()
        if path == "/api/kill-browser":
            for pid in browser_processes(self.server.marker) if self.server.marker else []:
                os.kill(pid, signal.SIGKILL)
            return "application/json", b"{}"
        if path in ("/img/native-lazy.png", "/img/observed-lazy.png"):
            return "image/png", png(40, 40, (0, 90, 200))
        if path == "/robots.txt":
            return "text/plain", b"User-agent: *\nAllow: /\n"
        return None

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, role: str, private: str = "", marker: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.role = role
        self.private = private
        self.marker = marker
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()


def hits(base: str) -> Counter[str]:
    """Hits per path of the server at ``base``."""
    with urllib.request.urlopen(base.rstrip("/") + "/_hits", timeout=10) as answer:
        return Counter(json.loads(answer.read()))


@contextlib.contextmanager
def running_browser_site(*, marker: str = "") -> Iterator[tuple[str, str]]:
    """Start the private server, then the site (which kills Chromium processes holding ``marker``);
    yield ``(site URL, private URL)``."""
    env = support_env()
    with launch_server(module_command("support.browser_site", "private"), what="private server", env=env) as private, \
            launch_server(module_command("support.browser_site", "site", "--private", private.url, "--marker", marker),
                          what="browser site", env=env) as site:
        yield site.url, private.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=("site", "private"))
    parser.add_argument("--private", default="", help="the private server's base URL")
    parser.add_argument("--marker", default="", help="what the command line of the Chromium to kill holds")
    args = parser.parse_args()
    serve_until_signalled(_Server(args.role, args.private, args.marker))


if __name__ == "__main__":
    main()
