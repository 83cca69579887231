"""A page to screenshot: known size, an image and a stylesheet whose colours show in the picture.

``python -m support.screenshot_site`` binds 127.0.0.1 port 0, prints its URL and serves:

``/article``
    ``<body>`` without margins, :data:`PAGE_HEIGHT` pixels tall, a :data:`WIDTH` wide layout;
    the stylesheet ``/static/page.css`` paints the page :data:`BACKGROUND` and places the image
    ``/img/photo.png`` (:data:`PHOTO`, 300 x 200 pixels) at the top left corner.
``/_hits``
    Hits per path as JSON (``/_reset`` clears them), so a test sees that replay fetched nothing.

From tests, :func:`running_screenshot_site` starts it in a subprocess (:func:`support.launcher.launch_server`).
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

from support.images import png
from support.launcher import launch_server, module_command, serve_until_signalled, support_env

__all__ = ["BACKGROUND", "PAGE_HEIGHT", "PHOTO", "hits", "running_screenshot_site"]

PAGE_HEIGHT = 2400
BACKGROUND = (10, 120, 200)
PHOTO = (220, 30, 40)

ARTICLE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>Replayed in a browser</title>
<link rel="stylesheet" href="/static/page.css"></head>
<body><main id="page"><img id="photo" src="/img/photo.png" width="300" height="200" alt="A red photo">
<h1>Replayed in a browser</h1><p>The article's text, long enough to be an article of a few words.</p>
</main></body></html>"""

STYLESHEET = f"""html, body {{ margin: 0; padding: 0; background: rgb{BACKGROUND}; }}
#page {{ height: {PAGE_HEIGHT}px; overflow: hidden; }}
#photo {{ display: block; position: absolute; left: 0; top: 0; }}
h1, p {{ margin: 0; padding: 0 0 0 320px; color: white; }}
""".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if path in ("/_hits", "/_reset"):
            with self.server.lock:
                if path == "/_reset":
                    self.server.hits.clear()
                self._send(200, json.dumps(dict(self.server.hits)).encode(), "application/json")
            return
        with self.server.lock:
            self.server.hits[path] += 1
        if path == "/article":
            self._send(200, ARTICLE, "text/html; charset=utf-8")
        elif path == "/static/page.css":
            self._send(200, STYLESHEET, "text/css")
        elif path == "/img/photo.png":
            self._send(200, png(300, 200, PHOTO), "image/png")
        else:
            self._send(404, b"not found", "text/plain")


def hits(base: str) -> dict[str, int]:
    """The server's hits per path so far."""
    with urlopen(base + "_hits", timeout=10) as answer:  # noqa: S310 - the local fixture
        return json.loads(answer.read())


@contextmanager
def running_screenshot_site() -> Iterator[str]:
    """Start the site; yield its base URL (``http://127.0.0.1:PORT/``)."""
    with launch_server(module_command("support.screenshot_site"), what="screenshot site", env=support_env()) as site:
        yield site.url


if __name__ == "__main__":
    serve_until_signalled(_Server())
