"""A small news site whose article is edited on command, for the silent-edit watch's end-to-end test.

Run as a subprocess (``python -m support.watch_site``, or :func:`running_watch_site`): binds
127.0.0.1 port 0 and prints its base URL. Routes:

``/article``
    The port-strike story of :data:`support.watch_samples.VERSIONS` in the current version (v1 at
    start), with a byline, an ``<aside>`` "Most read" box of links and a footer.
``/other``
    Another story of the site with the same box.
``/robots.txt``
    Allows everything.
``/_control?version=v2`` / ``/_control?sidebar=B``
    Switch the article's version / both pages' "Most read" box (A at start); answers 204.

Pages carry a strong ``ETag`` (sha1 of the body) and answer a matching ``If-None-Match`` with
304 Not Modified, so an unchanged page is revisited with a 304.
"""

from __future__ import annotations

import hashlib
import html
import http.server
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

from support.launcher import launch_server, module_command, serve_until_signalled, support_env
from support.watch_samples import MOST_READ_A, MOST_READ_B, VERSIONS

STATE = {"version": "v1", "sidebar": "A"}
OTHER_BODY = ["Parliament postponed the vote on the budget until next week, the speaker announced.",
              "Opposition parties said they needed more time to study the spending plans."]


def _page(title: str, authors: tuple[str, ...], paragraphs: list[str]) -> bytes:
    box = MOST_READ_A if STATE["sidebar"] == "A" else MOST_READ_B
    links = "".join(f'<li><a href="/story/{n}">{html.escape(item)}</a></li>' for n, item in enumerate(box[1:]))
    byline = ", ".join(authors)
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="author" content="{html.escape(byline)}">'
            '<meta property="article:published_time" content="2026-11-30T07:45:00+00:00"></head><body>'
            '<header><a href="/">Harbour Times</a></header><main><article>'
            f'<h1>{html.escape(title)}</h1><p class="byline">By {html.escape(byline)}</p>{body}</article>'
            f'<aside class="most-read"><h2>{box[0]}</h2><ul>{links}</ul></aside></main>'
            '<footer>Copyright Harbour Times</footer></body></html>').encode()


def render(path: str) -> bytes | None:
    """The body of ``path`` now, or None."""
    if path == "/article":
        version = VERSIONS[STATE["version"]]
        return _page(version["title"], version["authors"], list(version["body"]))
    if path == "/other":
        return _page("Budget vote delayed again", ("Cy Dent",), OTHER_BODY)
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    """The site's routes."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        if parts.path == "/_control":
            for key, values in parse_qs(parts.query).items():
                STATE[key] = values[0]
            self._send(204, b"", {})
            return
        if parts.path == "/robots.txt":
            self._send(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
            return
        body = render(parts.path)
        if body is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", {"ETag": etag})
            return
        self._send(200, body, {"Content-Type": "text/html; charset=utf-8", "ETag": etag})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status not in (204, 304):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def running_watch_site() -> Iterator[str]:
    """Run the site in a subprocess for the block; yields its base URL (ending in ``/``)."""
    with launch_server(module_command("support.watch_site"), what="watch site", env=support_env()) as server:
        yield server.url


def main() -> None:
    """Serve on 127.0.0.1:<free port>, print the base URL, run until SIGTERM."""
    serve_until_signalled(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))


if __name__ == "__main__":
    main()
